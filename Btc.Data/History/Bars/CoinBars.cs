using Btc.Data.History.Series.Codec;

namespace Btc.Data.History.Bars;

/// <summary>
/// A coin's bars of one stored row in every seeded currency (column c: currency_key c + 1): a day's hours or a month's
/// days, each slot with the moments (seconds after <paramref name="start"/>) of the usd samples that gave its open,
/// high, low and close, which pick the rates the codec predicts the other currencies with.
/// </summary>
internal sealed class CoinBars(DateTime start, int columns, TimeSpan slot)
{
    private readonly SortedDictionary<int, Slot> _slots = [];

    public int Columns => columns;

    public IReadOnlyDictionary<int, Slot> Slots => _slots;

    /// <summary>A slot's bars; <paramref name="moments"/> null: the slot's start for every field.</summary>
    public void Set(int index, int[]? moments, PriceBar?[] bars) =>
        _slots[index] = new Slot(moments ?? Enumerable.Repeat(SecondsOf(index), 4).ToArray(), bars);

    /// <summary>One currency's bar of a slot (an old row's); a new slot's moments are its start.</summary>
    public void SetBar(int index, int column, PriceBar bar)
    {
        if (!_slots.TryGetValue(index, out var found))
            _slots[index] = found = new Slot(Enumerable.Repeat(SecondsOf(index), 4).ToArray(), new PriceBar?[columns]);
        found.Bars[column] = bar;
    }

    public void Remove(int index) => _slots.Remove(index);

    public DateTime SlotStart(int index) => start + slot * index;

    public HourBarsData ToData()
    {
        var slots = _slots.Values.ToArray();
        var seconds = Enumerable.Range(0, 4).Select(f => slots.Select(s => s.Moments[f]).ToArray()).ToArray();
        var values = new double?[4][][];
        for (var f = 0; f < 4; f++)
        {
            var field = FieldOf(f);
            values[f] = Enumerable.Range(0, columns)
                .Select(c => slots.Select(s => s.Bars[c] is { } b ? field(b) : (double?)null).ToArray()).ToArray();
        }
        var counts = Enumerable.Range(0, columns)
            .Select(c => slots.Select(s => s.Bars[c]?.Count ?? 0).ToArray()).ToArray();
        var means = Enumerable.Range(0, columns)
            .Select(c => slots.Select(s => s.Bars[c]?.Mean).ToArray()).ToArray();
        var pieces = Enumerable.Range(0, 4).Select(f => new PieceData(seconds[f], values[f])).ToArray();
        return new HourBarsData(pieces[0], pieces[1], pieces[2], pieces[3], counts, new PieceData(seconds[0], means));
    }

    /// <summary>The bars a row decodes to; columns past the row's (currencies seeded since) have none.</summary>
    public static CoinBars FromData(DateTime start, int columns, TimeSpan slot, HourBarsData data)
    {
        var bars = new CoinBars(start, columns, slot);
        for (var i = 0; i < data.Open.Seconds.Length; i++)
        {
            var index = (int)(data.Open.Seconds[i] / slot.TotalSeconds);
            var slotBars = new PriceBar?[columns];
            for (var c = 0; c < Math.Min(columns, data.Counts.Length); c++)
                slotBars[c] = BarOf(bars.SlotStart(index), data, c, i);
            bars.Set(index, data.Fields.Select(f => f.Seconds[i]).ToArray(), slotBars);
        }
        return bars;
    }

    /// <summary>Column <paramref name="c"/>'s bar in entry <paramref name="i"/> of a decoded row; null: none.</summary>
    public static PriceBar? BarOf(DateTime slotStart, HourBarsData data, int c, int i) =>
        data.Counts[c][i] == 0 ? null : new PriceBar(UnixSeconds(slotStart), data.Open.Columns[c][i]!.Value,
            data.High.Columns[c][i]!.Value, data.Low.Columns[c][i]!.Value, data.Close.Columns[c][i]!.Value,
            data.Means!.Columns[c][i]!.Value, data.Counts[c][i]);

    public static long UnixSeconds(DateTime at) => (at - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;

    private int SecondsOf(int index) => (int)(slot * index).TotalSeconds;

    private static Func<PriceBar, double> FieldOf(int field) => field switch
    {
        0 => b => b.Open,
        1 => b => b.High,
        2 => b => b.Low,
        _ => b => b.Close,
    };

    /// <summary>Moments: seconds after the row's start of open, high, low, close; bars: one per column, or null.
    /// </summary>
    public sealed record Slot(int[] Moments, PriceBar?[] Bars);
}
