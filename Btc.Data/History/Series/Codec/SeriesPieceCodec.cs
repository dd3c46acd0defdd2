namespace Btc.Data.History.Series.Codec;

/// <summary>
/// A lossless encoding of a piece (one coin, a span, every currency): times as gaps, the base column (usd) as a walk
/// of decimals, every other column as residuals from round15(usd × the rate of the moment) where the rates fit, or as
/// its own walk, XOR or raw bytes where they do not. Every finite double decodes to the same bits (negative zero,
/// subnormals and 17-digit values included).
/// </summary>
public static class SeriesPieceCodec
{
    public static byte[] Encode(PieceData piece, PieceRates? rates = null)
    {
        var n = piece.Seconds.Length;
        if (piece.Columns.Any(c => c.Length != n))
            throw new ArgumentException("Every column has a value or null for each sample time.", nameof(piece));
        if (rates is { } r && (r.BaseColumn < 0 || r.BaseColumn >= piece.Columns.Length))
            throw new ArgumentException("The base column is not one of the piece's.", nameof(rates));
        var baseValues = rates is null ? null : piece.Columns[rates.BaseColumn];
        var columns = new (ColumnMode, bool, byte[])[piece.Columns.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            var predictFrom = c == rates?.BaseColumn ? null : baseValues;
            columns[c] = PieceColumns.Encode(piece.Columns[c], predictFrom, rates?.ByColumn.ElementAtOrDefault(c));
        }
        var times = new ByteWriter();
        SampleTimes.Write(times, piece.Seconds);
        var writer = new ByteWriter(1024);
        PieceHeader.Write(writer, n, rates?.BaseColumn, times.ToArray(), columns);
        foreach (var (_, _, payload) in columns)
            writer.Bytes(payload);
        return writer.ToArray();
    }

    public static PieceData Decode(ReadOnlySpan<byte> bytes, PieceRates? rates = null)
    {
        var header = PieceHeader.Read(bytes);
        var columns = new double?[header.Columns.Length][];
        double?[]? baseValues = null;
        if (header.BaseColumn is { } b)
            columns[b] = baseValues = PieceColumns.Decode(bytes, header, b, null, default);
        for (var c = 0; c < columns.Length; c++)
        {
            if (c != header.BaseColumn)
                columns[c] = PieceColumns.Decode(bytes, header, c, baseValues, rates?.ByColumn.ElementAtOrDefault(c));
        }
        return new PieceData(Seconds(bytes, header), columns);
    }

    /// <summary>The sample times, to look up the rates <see cref="DecodeColumn"/> needs.</summary>
    public static int[] DecodeSeconds(ReadOnlySpan<byte> bytes) => Seconds(bytes, PieceHeader.Read(bytes));

    /// <summary>
    /// One column without the others (only the base column as well, when this one is predicted from it);
    /// <paramref name="rates"/> are this column's, aligned with the sample times, as given to the encoder.
    /// </summary>
    public static double?[] DecodeColumn(ReadOnlySpan<byte> bytes, int column, ReadOnlySpan<double?> rates)
    {
        var header = PieceHeader.Read(bytes);
        if ((uint)column >= (uint)header.Columns.Length)
            throw new ArgumentOutOfRangeException(nameof(column), "The piece has no such column.");
        double?[]? baseValues = null;
        if (header.Columns[column].Mode == ColumnMode.Predicted && header.BaseColumn is { } b)
            baseValues = PieceColumns.Decode(bytes, header, b, null, default);
        return PieceColumns.Decode(bytes, header, column, baseValues, rates);
    }

    /// <summary>What an encoded piece spends its bytes on; the parts add up to its length.</summary>
    public static PieceLayout Inspect(ReadOnlySpan<byte> bytes)
    {
        var header = PieceHeader.Read(bytes);
        return new PieceLayout(bytes.Length, header.TimesStart, header.TimesLength, header.Columns);
    }

    private static int[] Seconds(ReadOnlySpan<byte> bytes, PieceHeader header)
    {
        var reader = new ByteReader(bytes.Slice(header.TimesStart, header.TimesLength));
        return SampleTimes.Read(ref reader, header.Samples);
    }
}
