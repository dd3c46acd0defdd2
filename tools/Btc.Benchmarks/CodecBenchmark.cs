using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;

namespace Btc.Benchmarks;

/// <summary>
/// The pieces compaction stored (price_piece), as they are: what each column's mode is, how often a coin does not fit
/// its minute's rates (a column that fell back to a walk in time, a value off its prediction), what the codec spends
/// its bytes on, and one currency's coin-day decoded from the stored hour pieces with the stored rates.
/// </summary>
public static class CodecBenchmark
{
    // Every value of a piece is checked against its prediction: a full decode, so a regular sample of the pieces.
    private const int CheckedPieces = 20_000;

    private const string CountSql = "SELECT count(*) FROM price_piece";
    private const string PiecesSql = "SELECT start, data FROM price_piece";
    private const string QuartersSql = "SELECT quarter FROM price_rate";

    // A coin's last 24 complete hours: the current hour's quarters start after the hour the watermark is in.
    private const string CoinDaySql = """
        SELECT start, data FROM price_piece
        WHERE coin_key = @coinKey AND start < date_trunc('hour', (SELECT pieces_until FROM price_series_compaction))
        ORDER BY start DESC LIMIT 24
        """;

    public static async Task RunAsync(NpgsqlDataSource db, int coinKey, Report report)
    {
        var currencies = (await new CurrencyStore(db).ListAsync()).Where(c => c.ColumnName is not null)
            .OrderBy(c => c.CurrencyKey).ToArray();
        var usd = Array.FindIndex(currencies, c => c.Code == "usd");
        var store = new RateStore();
        await using var connection = await db.OpenConnectionAsync();
        var quarters = await store.ReadAsync(connection, null,
            await connection.QueryAsync<DateTime>(QuartersSql), CancellationToken.None);
        var every = Math.Max(1, await connection.ExecuteScalarAsync<long>(CountSql) / CheckedPieces);
        var tally = new CodecTally(currencies.Length, usd);
        var index = 0L;
        await using (var command = new NpgsqlCommand(PiecesSql, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (start, data) = (reader.GetFieldValue<DateTime>(0), reader.GetFieldValue<byte[]>(1));
                tally.Add(data);
                if (index++ % every == 0)
                    tally.Check(data, PieceRatesOf.Piece(
                        start, SeriesPieceCodec.DecodeSeconds(data), quarters, usd, currencies.Length));
            }
        }
        tally.Report(report);
        var coinDay = (await connection.QueryAsync<(DateTime Start, byte[] Data)>(CoinDaySql, new { coinKey }))
            .ToArray();
        ReportDecode(report, coinDay, quarters, Array.FindIndex(currencies, c => c.Code == "eur"));
    }

    /// <summary>
    /// One currency of one coin over its 24 stored hour pieces (a coin-day), decoded again and again as the series
    /// read does it: the times, the column's rates at them (from the rates read once and kept in the process), the
    /// column (with usd, which it is predicted from); and the column alone, its rates looked up beforehand.
    /// </summary>
    private static void ReportDecode(Report report, (DateTime Start, byte[] Data)[] pieces,
        IReadOnlyDictionary<DateTime, QuarterRates> quarters, int column)
    {
        const int Rounds = 1_000;
        var rates = pieces.Select(p => PieceRatesOf.Column(
            p.Start, SeriesPieceCodec.DecodeSeconds(p.Data), quarters, column)).ToArray();
        void Whole()
        {
            foreach (var (start, data) in pieces)
            {
                var seconds = SeriesPieceCodec.DecodeSeconds(data);
                SeriesPieceCodec.DecodeColumn(data, column, PieceRatesOf.Column(start, seconds, quarters, column));
            }
        }
        void ColumnAlone()
        {
            for (var i = 0; i < pieces.Length; i++)
                SeriesPieceCodec.DecodeColumn(pieces[i].Data, column, rates[i]);
        }
        var whole = PerCoinDay(Whole, Rounds, pieces.Length);
        var alone = PerCoinDay(ColumnAlone, Rounds, pieces.Length);
        report.Add($"codec: decoding one currency's coin-day (eur, 24 stored hour pieces, {pieces.Length} found)",
            whole, "µs", "≤ 100", whole <= 100);
        report.Add("codec: of which the column alone (rates looked up beforehand)", alone, "µs");
    }

    /// <summary>Microseconds for 24 pieces, after as many rounds untimed (the JIT's tiers reach optimized code).
    /// </summary>
    private static double PerCoinDay(Action decode, int rounds, int pieces)
    {
        for (var round = 0; round < rounds; round++)
            decode();
        var started = Stopwatch.GetTimestamp();
        for (var round = 0; round < rounds; round++)
            decode();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / rounds / Math.Max(1, pieces) * 24;
    }
}
