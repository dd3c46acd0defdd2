namespace Btc.Worker.Polling;

/// <summary>
/// Orders strings by Unicode code point, as Python's sorted() and PostgreSQL's COLLATE "C" on UTF-8 do.
/// string.CompareOrdinal compares UTF-16 units, which puts U+E000..U+FFFF after supplementary characters.
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
            return x is null ? (y is null ? 0 : -1) : 1;
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var (a, b) = (x[i], y[i]);
            if (a == b)
                continue;
            // Surrogates (U+D800..U+DFFF) encode code points above U+FFFF: lift them above the rest of the BMP.
            return Rank(a).CompareTo(Rank(b));
        }
        return x.Length.CompareTo(y.Length);
    }

    private static int Rank(char c) => char.IsSurrogate(c) ? c + 0x10000 : c;
}
