namespace Btc.Data.History.Series.Codec;

/// <summary>
/// Values a mode cannot express, kept as their 8 raw bytes with their position among the column's values.
/// </summary>
internal sealed class Outliers
{
    private readonly List<(int At, double Value)> _items = [];

    public int Count => _items.Count;

    public void Add(int at, double value) => _items.Add((at, value));

    public void Write(ByteWriter writer)
    {
        writer.VarUInt((ulong)_items.Count);
        var last = 0;
        foreach (var (at, value) in _items)
        {
            writer.VarUInt((ulong)(at - last));
            writer.Double(value);
            last = at;
        }
    }

    /// <summary>
    /// Reads the list into <paramref name="values"/>, marking each place in <paramref name="isOutlier"/>.
    /// </summary>
    public static void Read(ref ByteReader reader, scoped Span<double> values, scoped Span<bool> isOutlier)
    {
        var count = reader.Count();
        var at = 0;
        for (var k = 0; k < count; k++)
        {
            at += reader.Count();
            if ((uint)at >= (uint)values.Length)
                throw new InvalidDataException("An outlier is out of range.");
            values[at] = reader.Double();
            isOutlier[at] = true;
        }
    }
}
