using Btc.Data.History.Series.Codec;

namespace Btc.Benchmarks;

/// <summary>
/// What stored pieces are made of: columns by mode, bytes by part (per coin-minute), and, over the pieces checked,
/// each value of a currency other than the base column as its prediction exactly, a residual from it, or a fallback
/// (its column stored in time, or its value listed raw among the predicted column's outliers).
/// </summary>
internal sealed class CodecTally(int columns, int baseColumn)
{
    private readonly long[] _modes = new long[Enum.GetValues<ColumnMode>().Length];
    private long _pieces, _samples, _bytes, _times, _headers, _base, _predicted, _fallback;
    private long _eligible, _fellBack, _noRate;
    private long _values, _exact, _residual, _fallbackValues;

    public void Add(byte[] data)
    {
        var layout = SeriesPieceCodec.Inspect(data);
        _pieces++;
        _samples += SeriesPieceCodec.DecodeSeconds(data).Length;
        (_bytes, _times, _headers) = (_bytes + layout.Bytes, _times + layout.TimeBytes, _headers + layout.HeaderBytes);
        for (var c = 0; c < layout.Columns.Count; c++)
        {
            var column = layout.Columns[c];
            _modes[(int)column.Mode]++;
            var entry = TableEntry(column.Bytes);
            _headers += entry;
            if (c == baseColumn)
                _base += column.Bytes - entry;
            else if (column.Mode == ColumnMode.Predicted)
                _predicted += column.Bytes - entry;
            else
                _fallback += column.Bytes - entry;
            if (c == baseColumn || column.Mode == ColumnMode.Absent)
                continue;
            _eligible++;
            _fellBack += column.Mode == ColumnMode.Predicted ? 0 : 1;
        }
    }

    /// <summary>Every value of the piece against round15(usd × the rate of its moment).</summary>
    public void Check(byte[] data, PieceRates rates)
    {
        var layout = SeriesPieceCodec.Inspect(data);
        var piece = SeriesPieceCodec.Decode(data, rates);
        var bases = piece.Columns[baseColumn];
        for (var c = 0; c < columns; c++)
        {
            if (c == baseColumn || layout.Columns[c].Mode == ColumnMode.Absent)
                continue;
            var columnRates = rates.ByColumn[c]!;
            _noRate += columnRates.All(r => r is null) ? 1 : 0;
            for (var i = 0; i < piece.Seconds.Length; i++)
            {
                if (piece.Columns[c][i] is not { } value)
                    continue;
                _values++;
                var predicted = bases[i] is { } b && columnRates[i] is { } r ? Decimal15.Predict(b, r) : null;
                if (layout.Columns[c].Mode != ColumnMode.Predicted || predicted is not { } p)
                    _fallbackValues++;
                else if (BitConverter.DoubleToInt64Bits(p) == BitConverter.DoubleToInt64Bits(value))
                    _exact++;
                else
                    _residual++;
            }
        }
    }

    public void Report(Report report)
    {
        var perMinute = (double)Math.Max(1, _samples);
        report.Add($"codec: stored pieces read ({_samples:N0} coin-minutes)", _pieces, "pieces");
        report.Add("codec: encoded bytes per coin-minute (the pieces' data alone)", _bytes / perMinute, "B");
        report.Add("codec: of which times", _times / perMinute, "B");
        report.Add("codec: of which the base column (usd)", _base / perMinute, "B");
        report.Add("codec: of which predicted columns", _predicted / perMinute, "B");
        report.Add("codec: of which columns fallen back (decimal, XOR, raw)", _fallback / perMinute, "B");
        report.Add("codec: of which headers (piece front, column table)", _headers / perMinute, "B");
        var all = Math.Max(1, _modes.Sum());
        foreach (var mode in Enum.GetValues<ColumnMode>())
            report.Add($"codec: columns in mode {mode}", 100.0 * _modes[(int)mode] / all, "%");
        report.Add("codec: columns other than usd not predicted (a coin off its minute's rates)",
            100.0 * _fellBack / Math.Max(1, _eligible), "%");
        var values = (double)Math.Max(1, _values);
        report.Add($"codec: values checked other than usd ({_values:N0}): exactly their prediction",
            100 * _exact / values, "%");
        report.Add("codec: values checked: a residual from the prediction", 100 * _residual / values, "%");
        report.Add("codec: values checked: fallback (column in time, or raw outlier)", 100 * _fallbackValues / values,
            "%");
        report.Add("codec: columns checked with no rate inferred in their piece", _noRate, "columns");
    }

    /// <summary>The column table's entry of a column of <paramref name="bytes"/>: mode byte, varint length.</summary>
    private static int TableEntry(int bytes)
    {
        for (var varint = 1; ; varint++)
        {
            var payload = bytes - 1 - varint;
            if (payload < 1L << (7 * varint))
                return 1 + varint;
        }
    }
}
