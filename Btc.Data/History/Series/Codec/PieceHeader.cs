namespace Btc.Data.History.Series.Codec;

/// <summary>
/// The front of an encoded piece: version, sample count, column count, base column, the times, then a table of each
/// column's mode and payload length, so one column is found without decoding the others.
/// </summary>
internal sealed class PieceHeader
{
    public const byte Version = 1;
    private const byte BitmapFlag = 0x10;

    public required int Samples { get; init; }
    public required int? BaseColumn { get; init; }
    public required int TimesStart { get; init; }
    public required int TimesLength { get; init; }
    public required ColumnLayout[] Columns { get; init; }
    public required int[] PayloadStart { get; init; }
    public required int[] PayloadLength { get; init; }

    public static void Write(ByteWriter writer, int samples, int? baseColumn, byte[] times,
        IReadOnlyList<(ColumnMode Mode, bool HasBitmap, byte[] Payload)> columns)
    {
        writer.Byte(Version);
        writer.VarUInt((ulong)samples);
        writer.VarUInt((ulong)columns.Count);
        writer.VarUInt(baseColumn is { } b ? (ulong)b + 1 : 0);
        writer.VarUInt((ulong)times.Length);
        writer.Bytes(times);
        foreach (var (mode, hasBitmap, payload) in columns)
        {
            writer.Byte((byte)((byte)mode | (hasBitmap ? BitmapFlag : 0)));
            writer.VarUInt((ulong)payload.Length);
        }
    }

    public static PieceHeader Read(ReadOnlySpan<byte> bytes)
    {
        var reader = new ByteReader(bytes);
        if (reader.Byte() != Version)
            throw new InvalidDataException("Not a piece of this codec's version.");
        var (samples, count, baseColumn) = (reader.Count(), reader.Count(), reader.Count());
        var timesLength = reader.Count();
        var timesStart = reader.Position;
        reader.Skip(timesLength);
        var (columns, starts, lengths) = (new ColumnLayout[count], new int[count], new int[count]);
        for (var c = 0; c < count; c++)
        {
            var at = reader.Position;
            var mode = reader.Byte();
            lengths[c] = reader.Count();
            if (lengths[c] > bytes.Length)
                throw new InvalidDataException("A column is longer than the piece.");
            columns[c] = new ColumnLayout((ColumnMode)(mode & 0x0F), (mode & BitmapFlag) != 0,
                lengths[c] + reader.Position - at);
        }
        var next = (long)reader.Position;
        for (var c = 0; c < count; c++)
            (starts[c], next) = ((int)next, next + lengths[c]);
        if (next > bytes.Length || baseColumn > count)
            throw new InvalidDataException("The encoded piece ends early.");
        return new PieceHeader
        {
            Samples = samples, BaseColumn = baseColumn == 0 ? null : baseColumn - 1,
            TimesStart = timesStart, TimesLength = timesLength,
            PayloadStart = starts, PayloadLength = lengths, Columns = columns,
        };
    }

    /// <summary>A column's payload: its bitmap (if any) and its mode's bytes.</summary>
    public ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> bytes, int column) =>
        bytes.Slice(PayloadStart[column], PayloadLength[column]);
}
