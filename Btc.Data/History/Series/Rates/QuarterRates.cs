namespace Btc.Data.History.Series.Rates;

/// <summary>
/// The rates of a quarter of an hour: CoinGecko answered each currency as round15(usd × the rate of the moment), and
/// the moment's rates change at some second of each minute (the same for every coin). Span k (−1 … 14) holds the
/// samples from <see cref="Offset"/> + 60·k to <see cref="Offset"/> + 60·(k + 1) seconds after <see cref="Quarter"/>;
/// <see cref="Rates"/>[(k + 1) · <see cref="Columns"/> + c] is column c's rate in it (NaN: none). Immutable once
/// stored: every piece of the quarter was encoded with exactly these.
/// </summary>
public sealed record QuarterRates(DateTime Quarter, int Offset, int Columns, double[] Rates)
{
    public const int Spans = 16;
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(15);

    public static QuarterRates None(DateTime quarter, int columns) =>
        new(quarter, 0, columns, Enumerable.Repeat(double.NaN, Spans * columns).ToArray());

    /// <summary>The span (−1 … 14) of a sample <paramref name="second"/>s after the quarter's start.</summary>
    public static int Span(int second, int offset) => (int)Math.Floor((second - offset) / 60.0);

    /// <summary>Column <paramref name="column"/>'s rate <paramref name="second"/>s after the quarter's start.</summary>
    public double? Of(int second, int column)
    {
        if (column >= Columns)
            return null;
        var rate = Rates[(Span(second, Offset) + 1) * Columns + column];
        return double.IsNaN(rate) ? null : rate;
    }

    public static DateTime QuarterOf(DateTime at) => new(at.Ticks - at.Ticks % Length.Ticks, DateTimeKind.Utc);
}
