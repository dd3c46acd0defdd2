namespace Btc.Data.History.Series.Codec;

/// <summary>
/// One coin's prices over a span (an hour or a quarter): <see cref="Seconds"/> after the span's start, ascending, and
/// per currency (<see cref="Columns"/>, in currency order) a value or null at each of those times.
/// </summary>
public sealed record PieceData(int[] Seconds, double?[][] Columns)
{
    public static PieceData Empty(int columns) =>
        new([], Enumerable.Range(0, columns).Select(_ => Array.Empty<double?>()).ToArray());

    /// <summary>The samples at seconds in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public PieceData Within(int from, int to)
    {
        var (first, last) = (Array.FindIndex(Seconds, s => s >= from), Array.FindIndex(Seconds, s => s >= to));
        (first, last) = (first < 0 ? Seconds.Length : first, last < 0 ? Seconds.Length : last);
        if (first == 0 && last == Seconds.Length)
            return this;
        return new PieceData(Seconds[first..last], Columns.Select(c => c[first..last]).ToArray());
    }
}

/// <summary>
/// The rates of the moment for a piece: <see cref="ByColumn"/>[c][i] is the factor such that CoinGecko answered column
/// c at sample i as round15(<see cref="BaseColumn"/>'s value × it) (usd → eur: eur/usd), null where unknown; a null
/// column has no rates. The same rates must be passed to decode what was encoded with them.
/// </summary>
public sealed record PieceRates(int BaseColumn, double?[]?[] ByColumn);

/// <summary>Where an encoded piece's bytes go, for benchmarks: the header, the times and each column.</summary>
public sealed record PieceLayout(int Bytes, int HeaderBytes, int TimeBytes, IReadOnlyList<ColumnLayout> Columns);

/// <summary>A column's mode, whether it needed a presence bitmap, and its bytes (table entry included).</summary>
public readonly record struct ColumnLayout(ColumnMode Mode, bool HasBitmap, int Bytes);
