using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// The series codec on the filled samples, end to end as storage will run it: each minute's rates inferred from all
/// coins' own answers, one piece per coin and hour in every seeded currency, then one currency's coin-day decoded. The
/// pieces are encoded here only, not stored (the codec is not wired into storage yet).
/// </summary>
public static class CodecBenchmark
{
    private const int Hours = 6;

    public static async Task RunAsync(NpgsqlDataSource db, DateTime end, Report report)
    {
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null).ToArray();
        var usd = Array.FindIndex(currencies, c => c.Code == "usd");
        var (bytes, samples, modes, reproduced, answers) = (0L, 0L, new long[8], 0L, 0L);
        var pieces = new List<(byte[] Piece, PieceRates Rates)>();
        for (var hour = end.AddHours(-Hours); hour < end; hour = hour.AddHours(1))
        {
            var coins = await ReadHourAsync(db, currencies, hour);
            var (rates, offset) = BestEpochs(coins, usd);
            reproduced += rates.Values.Sum(r => (long)r.Reproduced);
            answers += rates.Values.Sum(r => (long)r.Answers);
            foreach (var coin in coins)
            {
                var pieceRates = RatesOf(coin, rates, usd, currencies.Length, offset);
                var piece = SeriesPieceCodec.Encode(coin, pieceRates);
                var layout = SeriesPieceCodec.Inspect(piece);
                (bytes, samples) = (bytes + piece.Length, samples + coin.Seconds.Length);
                foreach (var column in layout.Columns)
                    modes[(int)column.Mode]++;
                if (pieces.Count < 24 && coin == coins[0])
                    pieces.Add((piece, pieceRates));
            }
        }
        Report(report, bytes, samples, modes, (double)reproduced / Math.Max(1, answers));
        ReportDecode(report, pieces, Array.FindIndex(currencies, c => c.Code == "eur"));
    }

    private static void Report(Report report, long bytes, long samples, long[] modes, double reproduced)
    {
        report.Add($"codec: bytes per coin-minute, hour pieces of {modes.Sum() / Math.Max(1, samples / 60)} columns",
            (double)bytes / Math.Max(1, samples), "B", "≤ 60", (double)bytes / Math.Max(1, samples) <= 60);
        report.Add("codec: answers the minute's inferred rate reproduces to the bit", 100 * reproduced, "%");
        var columns = Math.Max(1, modes.Sum());
        foreach (var mode in Enum.GetValues<ColumnMode>())
            report.Add($"codec: columns in mode {mode}", 100.0 * modes[(int)mode] / columns, "%");
    }

    /// <summary>One currency of one coin over up to 24 hour pieces (a coin-day), decoded again and again.</summary>
    private static void ReportDecode(Report report, List<(byte[] Piece, PieceRates Rates)> pieces, int column)
    {
        const int Rounds = 2_000;
        Decode(pieces, column, Rounds); // the JIT's tiers reach optimized code first
        var started = Stopwatch.GetTimestamp();
        Decode(pieces, column, Rounds);
        var perPiece = Stopwatch.GetElapsedTime(started).TotalMicroseconds / Rounds / Math.Max(1, pieces.Count);
        report.Add("codec: decoding one currency's coin-day (24 hour pieces)", perPiece * 24, "µs", "≤ 100",
            perPiece * 24 <= 100);
    }

    private static void Decode(List<(byte[] Piece, PieceRates Rates)> pieces, int column, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (piece, rates) in pieces)
                SeriesPieceCodec.DecodeColumn(piece, column, rates.ByColumn[column]);
        }
    }

    /// <summary>Every coin's samples in the hour: times as seconds after it, prices by currency.</summary>
    private static async Task<List<PieceData>> ReadHourAsync(NpgsqlDataSource db, Currency[] currencies, DateTime hour)
    {
        var columns = string.Join(", ", currencies.Select(c => c.Column));
        await using var command = db.CreateCommand($"""
            SELECT coin_key, extract(epoch FROM last_updated_at - @hour)::int, {columns} FROM price_sample
            WHERE last_updated_at >= @hour AND last_updated_at < @hour + interval '1 hour'
            ORDER BY coin_key, last_updated_at
            """);
        command.Parameters.AddWithValue("hour", hour);
        var coins = new List<PieceData>();
        var (key, seconds, rows) = (-1, new List<int>(), new List<double?[]>());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (reader.GetInt32(0) != key && rows.Count > 0)
                coins.Add(Piece(seconds, rows, currencies.Length));
            if (reader.GetInt32(0) != key)
                (key, seconds, rows) = (reader.GetInt32(0), [], []);
            seconds.Add(reader.GetInt32(1));
            rows.Add([.. Enumerable.Range(2, currencies.Length)
                .Select(i => reader.IsDBNull(i) ? (double?)null : reader.GetDouble(i))]);
        }
        if (rows.Count > 0)
            coins.Add(Piece(seconds, rows, currencies.Length));
        return coins;
    }

    private static PieceData Piece(List<int> seconds, List<double?[]> rows, int columns) =>
        new([.. seconds], [.. Enumerable.Range(0, columns).Select(c => rows.Select(r => r[c]).ToArray())]);

    /// <summary>
    /// Rates change at some second of each minute, not at its start: coins updated before it carry the last
    /// minute's rate. The minute-long spans the rates are inferred for start at the second (of 0, 5, … 55) whose
    /// rates reproduce the most answers.
    /// </summary>
    private static (IReadOnlyDictionary<(long Epoch, int Currency), InferredRate> Rates, int Offset) BestEpochs(
        List<PieceData> coins, int usd) =>
        Enumerable.Range(0, 12).Select(step => (Rates: InferRates(coins, usd, step * 5), Offset: step * 5))
            .MaxBy(r => r.Rates.Values.Sum(x => (long)x.Reproduced));

    private static IReadOnlyDictionary<(long Epoch, int Currency), InferredRate> InferRates(
        List<PieceData> coins, int usd, int offset) =>
        RateInference.InferCycle(coins.SelectMany(coin => Enumerable.Range(0, coin.Seconds.Length)
            .SelectMany(i => Enumerable.Range(0, coin.Columns.Length)
                .Where(c => c != usd && coin.Columns[usd][i] is not null && coin.Columns[c][i] is not null)
                .Select(c => new RateAnswer(Epoch(coin.Seconds[i], offset), c, coin.Columns[usd][i]!.Value,
                    coin.Columns[c][i]!.Value)))));

    private static long Epoch(int second, int offset) => (long)Math.Floor((second - offset) / 60.0);

    private static PieceRates RatesOf(PieceData coin,
        IReadOnlyDictionary<(long Epoch, int Currency), InferredRate> rates, int usd, int columns, int offset) =>
        new(usd, [.. Enumerable.Range(0, columns).Select(c => c == usd ? null
            : coin.Seconds.Select(s => rates.TryGetValue((Epoch(s, offset), c), out var r) ? r.Rate : (double?)null)
                .ToArray())]);
}
