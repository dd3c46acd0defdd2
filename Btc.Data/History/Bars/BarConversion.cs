using System.Diagnostics;
using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Dapper;
using Npgsql;

namespace Btc.Data.History.Bars;

/// <summary>
/// The upgrade to compressed bars, in the background (the bar-rollup job, not the migrator): the seeded currencies'
/// rows of the old layout (a row per currency) become a coin's compressed row, a batch of coin-days and coin-months per
/// transaction, the old rows deleted in it. Reads take old and compressed rows alike, so the API serves throughout.
/// Old rows have no moments, so converted hour bars are encoded without rates: each currency a walk in time.
/// </summary>
public sealed class BarConversion(NpgsqlDataSource db)
{
    private const int CoinDaysPerBatch = 200;

    private const string LockSql = $"SELECT pg_advisory_xact_lock({SeriesPieces.CompactorLock})";

    // The primary key's order: a few rows read, however many are converted already.
    private const string NextHoursSql = """
        SELECT DISTINCT coin_key, day FROM (
            SELECT coin_key, day FROM price_bar_hour WHERE currency_key <= @seeded
            ORDER BY coin_key, currency_key, day LIMIT @n) o
        """;

    private const string NextMonthsSql = """
        SELECT DISTINCT coin_key, month FROM (
            SELECT coin_key, month FROM price_bar_day WHERE currency_key <= @seeded
            ORDER BY coin_key, currency_key, month LIMIT @n) o
        """;

    /// <returns>The coin-days and coin-months converted, and whether nothing is left to convert.</returns>
    public async Task<(int CoinDays, int CoinMonths, bool Done)> RunAsync(
        TimeSpan budget, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var columns = new SeededColumns(await new CurrencyStore(db).ListAsync(ct)).Count;
        await using var connection = await db.OpenConnectionAsync(ct);
        var (days, months) = (0, 0);
        do
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: tx, cancellationToken: ct));
            var parameters = new { seeded = (short)columns, n = CoinDaysPerBatch };
            var hours = (await connection.QueryAsync<(int CoinKey, DateOnly Day)>(
                new CommandDefinition(NextHoursSql, parameters, tx, cancellationToken: ct))).AsList();
            var monthRows = (await connection.QueryAsync<(int CoinKey, DateOnly Month)>(
                new CommandDefinition(NextMonthsSql, parameters, tx, cancellationToken: ct))).AsList();
            if (hours.Count == 0 && monthRows.Count == 0)
                return (days, months, true);
            foreach (var day in hours.GroupBy(h => h.Day))
                await ConvertHoursAsync(connection, tx, day.Key, day.Select(d => d.CoinKey).ToArray(), columns, ct);
            foreach (var month in monthRows.GroupBy(m => m.Month))
            {
                var bars = await BarRows.MonthsAsync(
                    connection, tx, month.Key, month.Select(m => m.CoinKey).ToArray(), columns, ct);
                await BarRows.PutMonthsAsync(
                    connection, tx, month.Key, bars.Select(b => (b.Key, b.Value)).ToArray(), ct);
            }
            await tx.CommitAsync(ct);
            (days, months) = (days + hours.Count, months + monthRows.Count);
        }
        while (Stopwatch.GetElapsedTime(started) < budget);
        return (days, months, false);
    }

    private static async Task ConvertHoursAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateOnly day,
        int[] coins, int columns, CancellationToken ct)
    {
        var old = await BarRows.TakeOldHoursAsync(connection, tx, day, coins, columns, ct);
        var rows = old.Select(o => (o.Key, HourBarsCodec.Encode(o.Value.ToData()))).ToArray();
        await BarRows.InsertHoursAsync(connection, tx, day, rows, ct);
    }
}
