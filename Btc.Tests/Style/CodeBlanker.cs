namespace Btc.Tests.Style;

/// <summary>
/// Turns C# source into code only: comments, preprocessor lines, and string and char literals become spaces (line
/// breaks stay, so positions and line numbers do not move). A brace inside any of them then cannot be miscounted.
/// Interpolated strings are blanked whole, holes included, but a string nested in a hole does not end the outer one.
/// </summary>
public sealed class CodeBlanker
{
    private readonly string _source;
    private readonly char[] _code;
    private int _at;

    private CodeBlanker(string source)
    {
        _source = source;
        _code = source.ToCharArray();
    }

    public static string CodeOnly(string source) => new CodeBlanker(source).Run();

    private char Current => _source[_at];

    private char Next => _at + 1 < _source.Length ? _source[_at + 1] : '\0';

    private string Run()
    {
        while (_at < _source.Length)
        {
            var start = _at;
            if (SkipCommentOrLiteral())
                Blank(start, _at);
            else
                _at++;
        }
        return new string(_code);
    }

    private bool SkipCommentOrLiteral()
    {
        if (Current == '/' && Next == '/')
            _at = EndOfLine();
        else if (Current == '/' && Next == '*')
            _at = EndOfBlockComment();
        else if (Current == '#' && AtLineStart())
            _at = EndOfLine();
        else if (Current == '\'')
            SkipCharLiteral();
        else if (StringStartsHere())
            SkipString();
        else
            return false;
        return true;
    }

    private void Blank(int from, int to)
    {
        for (var i = from; i < to && i < _code.Length; i++)
        {
            if (_code[i] != '\n')
                _code[i] = ' ';
        }
    }

    private int EndOfLine()
    {
        var end = _source.IndexOf('\n', _at);
        return end < 0 ? _source.Length : end;
    }

    private int EndOfBlockComment()
    {
        var end = _source.IndexOf("*/", _at + 2, StringComparison.Ordinal);
        return end < 0 ? _source.Length : end + 2;
    }

    private bool AtLineStart()
    {
        for (var i = _at - 1; i >= 0 && _source[i] != '\n'; i--)
        {
            if (!char.IsWhiteSpace(_source[i]))
                return false;
        }
        return true;
    }

    /// <summary>A string begins with ", or with $ and @ prefixes before it ($"", @"", $@"", $$""" …).</summary>
    private bool StringStartsHere()
    {
        var i = _at;
        while (i < _source.Length && _source[i] is '$' or '@')
            i++;
        return i < _source.Length && _source[i] == '"';
    }

    private void SkipCharLiteral()
    {
        _at++;
        _at += Current == '\\' ? 2 : 1;
        while (_at < _source.Length && Current is not ('\'' or '\n'))
            _at++;
        _at = Math.Min(_at + 1, _source.Length);
    }

    private void SkipString()
    {
        var interpolated = false;
        var verbatim = false;
        for (; Current is '$' or '@'; _at++)
        {
            interpolated |= Current == '$';
            verbatim |= Current == '@';
        }
        var quotes = 0;
        while (_at + quotes < _source.Length && _source[_at + quotes] == '"')
            quotes++;
        if (!verbatim && quotes >= 3)
            SkipRawString(quotes);
        else if (!verbatim && quotes == 2)
            _at += 2;
        else
            SkipQuotedString(interpolated, verbatim);
    }

    /// <summary>A raw string ends at as many quotes as opened it; its holes are blanked with it.</summary>
    private void SkipRawString(int quotes)
    {
        var end = _source.IndexOf(new string('"', quotes), _at + quotes, StringComparison.Ordinal);
        _at = end < 0 ? _source.Length : end + quotes;
    }

    private void SkipQuotedString(bool interpolated, bool verbatim)
    {
        _at++;
        while (_at < _source.Length)
        {
            if (verbatim && Current == '"' && Next == '"')
                _at += 2;
            else if (!verbatim && Current == '\\')
                _at += 2;
            else if (Current == '"')
            {
                _at++;
                return;
            }
            else if (!verbatim && Current == '\n')
                return;
            else if (interpolated && Current == '{' && Next == '{')
                _at += 2;
            else if (interpolated && Current == '{')
                SkipHole();
            else
                _at++;
        }
    }

    /// <summary>An interpolation hole is code up to its matching }; strings and chars in it are skipped whole.
    /// </summary>
    private void SkipHole()
    {
        _at++;
        var depth = 0;
        while (_at < _source.Length)
        {
            if (Current == '\'')
                SkipCharLiteral();
            else if (StringStartsHere())
                SkipString();
            else if (Current == '}' && depth == 0)
            {
                _at++;
                return;
            }
            else
            {
                depth += Current switch { '{' or '(' or '[' => 1, '}' or ')' or ']' => -1, _ => 0 };
                _at++;
            }
        }
    }
}
