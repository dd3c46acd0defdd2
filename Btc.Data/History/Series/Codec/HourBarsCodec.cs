namespace Btc.Data.History.Series.Codec;

/// <summary>
/// A coin's day of hour bars as four pieces (open, high, low, close: each predicted from usd × the rate of its
/// sample's moment), the counts (each currency's as its difference from the previous currency's: almost always 0),
/// and optionally the means, apart.
/// </summary>
public static class HourBarsCodec
{
    private const byte Version = 1;

    public static byte[] Encode(HourBarsData bars, HourBarsRates? rates = null)
    {
        var hours = bars.Open.Seconds.Length;
        if (bars.Fields.Any(f => f.Seconds.Length != hours) || bars.Counts.Any(c => c.Length != hours)
            || bars.Counts.Length != bars.Open.Columns.Length)
            throw new ArgumentException("Every field and count has an entry for each hour with a bar.", nameof(bars));
        var writer = new ByteWriter(2048);
        writer.Byte(Version);
        writer.VarUInt((ulong)hours);
        for (var f = 0; f < 4; f++)
            Section(writer, SeriesPieceCodec.Encode(bars.Fields[f], rates?.Fields[f]));
        var counts = new ByteWriter();
        WriteCounts(counts, bars.Counts, hours);
        Section(writer, counts.ToArray());
        Section(writer, bars.Means is { } means ? SeriesPieceCodec.Encode(means) : []);
        return writer.ToArray();
    }

    public static HourBarsData Decode(ReadOnlySpan<byte> bytes, HourBarsRates? rates = null)
    {
        var sections = Sections(bytes, out var hours);
        var fields = new PieceData[4];
        for (var f = 0; f < 4; f++)
            fields[f] = SeriesPieceCodec.Decode(sections[f].Span(bytes), rates?.Fields[f]);
        var counts = ReadCounts(sections[4].Span(bytes), fields[0].Columns.Length, hours);
        var means = sections[5].Length == 0 ? null : SeriesPieceCodec.Decode(sections[5].Span(bytes));
        return new HourBarsData(fields[0], fields[1], fields[2], fields[3], counts, means);
    }

    /// <summary>Each field's sample times (seconds after midnight), to look up the rates a column needs.</summary>
    public static IReadOnlyList<int[]> DecodeSeconds(ReadOnlySpan<byte> bytes)
    {
        var sections = Sections(bytes, out _);
        var seconds = new int[4][];
        for (var f = 0; f < 4; f++)
            seconds[f] = SeriesPieceCodec.DecodeSeconds(sections[f].Span(bytes));
        return seconds;
    }

    /// <summary>
    /// One currency's bars (its means too, if stored); <paramref name="rates"/> holds its rates per field, as given to
    /// the encoder.
    /// </summary>
    public static HourBarColumn DecodeColumn(ReadOnlySpan<byte> bytes, int column, IReadOnlyList<double?[]?> rates)
    {
        var sections = Sections(bytes, out var hours);
        var fields = new double?[4][];
        for (var f = 0; f < 4; f++)
            fields[f] = SeriesPieceCodec.DecodeColumn(sections[f].Span(bytes), column, rates[f] ?? new double?[hours]);
        var columns = SeriesPieceCodec.Inspect(sections[0].Span(bytes)).Columns.Count;
        var counts = ReadCounts(sections[4].Span(bytes), columns, hours);
        var means = sections[5].Length == 0 ? null : SeriesPieceCodec.DecodeColumn(sections[5].Span(bytes), column, []);
        return new HourBarColumn(fields[0], fields[1], fields[2], fields[3], counts[column], means);
    }

    public static HourBarsLayout Inspect(ReadOnlySpan<byte> bytes)
    {
        var sections = Sections(bytes, out _);
        var fields = new PieceLayout[4];
        for (var f = 0; f < 4; f++)
            fields[f] = SeriesPieceCodec.Inspect(sections[f].Span(bytes));
        var overhead = bytes.Length - sections.Sum(s => s.Length);
        return new HourBarsLayout(bytes.Length, fields, sections[4].Length + overhead, sections[5].Length);
    }

    private static void Section(ByteWriter writer, byte[] section)
    {
        writer.VarUInt((ulong)section.Length);
        writer.Bytes(section);
    }

    private static (int Start, int Length)[] Sections(ReadOnlySpan<byte> bytes, out int hours)
    {
        var reader = new ByteReader(bytes);
        if (reader.Byte() != Version)
            throw new InvalidDataException("Not hour bars of this codec's version.");
        hours = reader.Count();
        var sections = new (int, int)[6];
        for (var s = 0; s < sections.Length; s++)
        {
            var length = reader.Count();
            sections[s] = (reader.Position, length);
            reader.Skip(length);
        }
        return sections;
    }

    private static ReadOnlySpan<byte> Span(this (int Start, int Length) section, ReadOnlySpan<byte> bytes) =>
        bytes.Slice(section.Start, section.Length);

    /// <summary>The first currency's counts, then each other's difference from the one before it.</summary>
    private static void WriteCounts(ByteWriter writer, int[][] counts, int hours)
    {
        if (counts.Length == 0)
            return;
        PackedInts.Write(writer, counts[0].Select(c => ZigZag.Encode(c)).ToArray());
        var differences = new ulong[(counts.Length - 1) * hours];
        for (var c = 1; c < counts.Length; c++)
        {
            for (var h = 0; h < hours; h++)
                differences[(c - 1) * hours + h] = ZigZag.Encode((long)counts[c][h] - counts[c - 1][h]);
        }
        PackedInts.Write(writer, differences);
    }

    private static int[][] ReadCounts(ReadOnlySpan<byte> bytes, int columns, int hours)
    {
        var counts = new int[columns][];
        if (columns == 0)
            return counts;
        var reader = new ByteReader(bytes);
        var values = new ulong[columns * hours];
        PackedInts.Read(ref reader, values.AsSpan(0, hours));
        PackedInts.Read(ref reader, values.AsSpan(hours));
        for (var c = 0; c < columns; c++)
        {
            counts[c] = new int[hours];
            for (var h = 0; h < hours; h++)
            {
                var value = ZigZag.Decode(values[c * hours + h]);
                counts[c][h] = checked((int)(c == 0 ? value : counts[c - 1][h] + value));
            }
        }
        return counts;
    }
}
