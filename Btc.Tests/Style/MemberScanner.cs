using System.Text;
using System.Text.RegularExpressions;

namespace Btc.Tests.Style;

/// <summary>A method, constructor, local function, property or accessor block or lambda body, by its lines.</summary>
public sealed record MemberSpan(string Name, int FirstLine, int LastLine)
{
    public int Length => LastLine - FirstLine + 1;
}

/// <summary>
/// Finds the members of C# source text and their extent in lines, without Roslyn (the test project does not reference
/// it). It blanks out comments and literals (so braces inside them do not count), then matches braces and judges each
/// <c>{</c> by the text before it: a signature ending in <c>)</c> opens a method, constructor or local function,
/// <c>=&gt;</c> a lambda body, <c>get</c>/<c>set</c>/<c>init</c> an accessor, a name inside a type a property's
/// accessor block. Expression-bodied methods and local functions run from their signature to their <c>;</c>.
/// Blocks of statements (if, for, try…), initializers, switch expressions and patterns are not members.
/// </summary>
public static partial class MemberScanner
{
    private enum Block { Type, Statements, Property, Expression, Brackets }

    private sealed class Frame(Block kind, int headerStart)
    {
        public Block Kind { get; } = kind;
        public int HeaderStart { get; set; } = headerStart;
        public MemberSpan? Member { get; init; }
        public MemberSpan? ExpressionBodied { get; set; }
    }

    public static IReadOnlyList<MemberSpan> Members(string source)
    {
        var code = CodeBlanker.CodeOnly(source);
        var lineStarts = LineStarts(code);
        var members = new List<MemberSpan>();
        var stack = new Stack<Frame>();
        stack.Push(new Frame(Block.Statements, 0));
        for (var i = 0; i < code.Length; i++)
        {
            var top = stack.Peek();
            switch (code[i])
            {
                case '(' or '[':
                    stack.Push(new Frame(Block.Brackets, i + 1));
                    break;
                case ')' or ']' when stack.Count > 1:
                    stack.Pop();
                    break;
                case '{':
                    stack.Push(Open(code, top, i, lineStarts));
                    break;
                case '}' when stack.Count > 1:
                    Close(stack.Pop(), LineOf(lineStarts, i), members);
                    stack.Peek().HeaderStart = i + 1;
                    break;
                case ';':
                    EndExpressionBody(top, LineOf(lineStarts, i), members);
                    top.HeaderStart = i + 1;
                    break;
                case ',' when top.Kind is Block.Brackets or Block.Expression:
                    top.HeaderStart = i + 1;
                    break;
                case '=' when i + 1 < code.Length && code[i + 1] == '>' && top.ExpressionBodied is null:
                    top.ExpressionBodied = ExpressionBodiedMember(code, top, i, lineStarts);
                    break;
            }
        }
        return members;
    }

    private static Frame Open(string code, Frame parent, int brace, int[] lineStarts)
    {
        var header = code[parent.HeaderStart..brace];
        var (kind, name) = Classify(parent.Kind, header);
        MemberSpan? member = null;
        if (name is not null)
        {
            var firstLine = kind == Block.Statements && header.TrimEnd().EndsWith("=>", StringComparison.Ordinal)
                ? LineOf(lineStarts, parent.HeaderStart + header.LastIndexOf("=>", StringComparison.Ordinal))
                : LineOf(lineStarts, parent.HeaderStart + SignatureOffset(header));
            member = new MemberSpan(name, firstLine, firstLine);
        }
        return new Frame(kind, brace + 1) { Member = member };
    }

    private static void Close(Frame frame, int line, List<MemberSpan> members)
    {
        if (frame.Member is { } member)
            members.Add(member with { LastLine = line });
    }

    private static void EndExpressionBody(Frame frame, int line, List<MemberSpan> members)
    {
        if (frame.ExpressionBodied is { } member)
            members.Add(member with { LastLine = line });
        frame.ExpressionBodied = null;
    }

    private static MemberSpan? ExpressionBodiedMember(string code, Frame frame, int arrow, int[] lineStarts)
    {
        if (frame.Kind is not (Block.Type or Block.Statements))
            return null;
        var header = code[frame.HeaderStart..arrow];
        var isMember = frame.Kind == Block.Type
            ? !HasTopLevelAssignment(header)
            : IsLocalFunctionSignature(header);
        if (!isMember)
            return null;
        var line = LineOf(lineStarts, frame.HeaderStart + SignatureOffset(header));
        return new MemberSpan(NameOf(header), line, line);
    }

    /// <summary>What a <c>{</c> opens, given the block it is in and the code since the last statement's end.</summary>
    private static (Block Kind, string? MemberName) Classify(Block parent, string header)
    {
        var signature = WithoutAttributes(header).Trim();
        if (signature.EndsWith("=>", StringComparison.Ordinal))
            return (Block.Statements, "lambda");
        if (TypeDeclaration().IsMatch(signature))
            return (Block.Type, null);
        return parent switch
        {
            Block.Type when HasTopLevelAssignment(signature) => (Block.Expression, null),
            Block.Type when signature.Contains('(', StringComparison.Ordinal) =>
                (Block.Statements, NameOf(signature)),
            Block.Type => (Block.Property, NameOf(signature)),
            Block.Property when Accessor().IsMatch(signature) => (Block.Statements, signature),
            Block.Statements when IsLocalFunctionSignature(signature) => (Block.Statements, NameOf(signature)),
            Block.Statements when IsStatementBlock(signature) => (Block.Statements, null),
            _ => (Block.Expression, null),
        };
    }

    private static bool IsLocalFunctionSignature(string header)
    {
        var signature = WithoutAttributes(header).Trim();
        return signature.EndsWith(')')
            && LocalFunction().IsMatch(signature)
            && !ControlStatement().IsMatch(signature)
            && !HasTopLevelAssignment(signature)
            && !NewExpression().IsMatch(signature);
    }

    private static bool IsStatementBlock(string signature) =>
        signature.Length == 0 || BlockStatement().IsMatch(signature);

    /// <summary>An <c>=</c> outside brackets that is not part of ==, !=, &lt;= or &gt;= (=&gt; counts).</summary>
    private static bool HasTopLevelAssignment(string header)
    {
        var depth = 0;
        for (var i = 0; i < header.Length; i++)
        {
            var c = header[i];
            if (c is '(' or '[' or '{')
                depth++;
            else if (c is ')' or ']' or '}')
                depth--;
            else if (c == '=' && depth == 0)
            {
                var before = i > 0 ? header[i - 1] : ' ';
                var after = i + 1 < header.Length ? header[i + 1] : ' ';
                if (before is not ('=' or '!' or '<' or '>') && after != '=')
                    return true;
            }
        }
        return false;
    }

    private static string NameOf(string header)
    {
        var signature = WithoutAttributes(header);
        var paren = signature.IndexOf('(', StringComparison.Ordinal);
        var beforeParameters = paren < 0 ? signature : signature[..paren];
        var name = Identifier().Matches(beforeParameters).LastOrDefault()?.Value;
        return name ?? signature.Trim();
    }

    private static string WithoutAttributes(string header) => header[SignatureOffset(header)..];

    /// <summary>Where the signature begins: past leading blanks and [attribute] lists.</summary>
    private static int SignatureOffset(string header)
    {
        var i = 0;
        while (true)
        {
            while (i < header.Length && char.IsWhiteSpace(header[i]))
                i++;
            if (i >= header.Length || header[i] != '[')
                return Math.Min(i, header.Length);
            var depth = 0;
            do
            {
                depth += header[i] switch { '[' => 1, ']' => -1, _ => 0 };
                i++;
            }
            while (i < header.Length && depth > 0);
        }
    }

    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
                starts.Add(i + 1);
        }
        return [.. starts];
    }

    private static int LineOf(int[] lineStarts, int position)
    {
        var index = Array.BinarySearch(lineStarts, position);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    [GeneratedRegex(
        @"^((public|private|protected|internal|static|sealed|abstract|partial|readonly|file|unsafe|new|ref)\s+)*"
        + @"(class|struct|interface|record|enum|namespace)\b")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^((public|private|protected|internal|readonly)\s+)*(get|set|init|add|remove)$")]
    private static partial Regex Accessor();

    /// <summary>Statements that may be followed by a block, and words that start no declaration.</summary>
    [GeneratedRegex(
        @"^(if|else|for|foreach|while|do|switch|using|lock|catch|fixed|try|finally|case|default"
        + @"|checked|unchecked|unsafe|return|yield|await|throw)\b")]
    private static partial Regex ControlStatement();

    [GeneratedRegex(
        @"^((if|else|for|foreach|while|do|switch|using|lock|catch|fixed|try|finally|case|default"
        + @"|checked|unchecked|unsafe)\b|await\s+(using|foreach)\b)")]
    private static partial Regex BlockStatement();

    [GeneratedRegex(@"\bnew\b")]
    private static partial Regex NewExpression();

    /// <summary>Modifiers and a return type, then a name and parameters: <c>static async Task Run(int x)</c>.</summary>
    [GeneratedRegex(@"^[\w<>\[\],.?()\s]*[\w>\]?)]\s+@?\w+\s*(<[^()]*>)?\s*\(")]
    private static partial Regex LocalFunction();

    [GeneratedRegex(@"@?[A-Za-z_]\w*")]
    private static partial Regex Identifier();
}
