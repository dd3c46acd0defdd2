using Btc.Data.Currencies;
using Btc.Data.History.Series;
using Btc.Migrations;
using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Series;

/// <summary>
/// A database of the layout before packing (raw samples kept beside uncompressed pieces) is converted by the
/// compaction job after the migration, with nothing lost and the API serving throughout.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task Raw_rows_and_old_pieces_are_packed_in_the_background_with_every_value_kept_to_the_bit()
    {
        await using var db = await DatabaseFixture.CreateAsync();
        Migrator.Down(db.ConnectionString, 12);
        var data = new SeriesData(db);
        await data.WriteAsync("upgrade", coins: 4, minutes: 300);
        await WriteOldLayoutAsync(db, data);
        await data.KeepStoredAsync();

        Migrator.Up(db.ConnectionString);
        db.DataSource.Clear();

        await using var api = new ApiFactory(db.ConnectionString, TimeProvider.System);
        using var http = api.CreateClient();
        // A window of its own for each read (starting before the first sample), so that no cached answer stands in.
        var start = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeSeconds();
        string Path(int run) => $"/stock/{data.Coins[1].Id}/eur?from={start - run}";
        var expected = await http.GetStringAsync(Path(0));
        var compactor = new SeriesCompactor(db.DataSource);
        var runs = 0;
        // As the series-compaction job does each minute, in short runs here, the API read between them.
        while (!(await compactor.RunAsync(data.Currencies, TimeSpan.Zero))!.CaughtUp)
        {
            runs++;
            (await http.GetStringAsync(Path(runs))).Should().Be(expected, "the series is the same at every step");
        }
        runs.Should().BeGreaterThan(4, "the conversion goes a step at a time");
        (await http.GetStringAsync(Path(runs + 1))).Should().Be(expected);

        await StoredSamples.MaterializeAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var bits = string.Join(", ", data.Currencies.Where(c => c.ColumnName is not null)
            .Select(c => $"float8send(s.{c.Column}) IS NOT DISTINCT FROM float8send(a.{c.Column})"));
        (await connection.ExecuteScalarAsync<long>($"""
            SELECT count(*) FROM stored_sample s FULL JOIN all_sample a USING (coin_key, last_updated_at)
            WHERE s.coin_key IS NULL OR a.coin_key IS NULL OR NOT ({bits.Replace(", ", " AND ")})
            """)).Should().Be(0, "every (coin, time) and every currency's value bits are as stored");
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM stored_sample")).Should().Be(4 * 300 + 2);
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM price_series_piece"))
            .Should().Be(0, "the old layout's pieces go as their hours are packed");
        (await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM price_sample, price_series_compaction WHERE last_updated_at < pieces_until
            """)).Should().Be(0, "one copy: the raw rows packed are gone");
    }

    /// <summary>
    /// What the old compactor left: every complete hour as uncompressed pieces of five currencies beside the raw
    /// samples, and samples whose bits a decimal codec could lose (negative zero, a subnormal, 17 digits).
    /// </summary>
    private static async Task WriteOldLayoutAsync(DatabaseFixture db, SeriesData data)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var odd = DateTime.UtcNow.AddMinutes(-200);
        odd = new DateTime(odd.Ticks - odd.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc).AddSeconds(59);
        await connection.ExecuteAsync("""
            INSERT INTO price_sample (coin_key, cycle_id, last_updated_at, usd, eur, btc, sats)
            VALUES (@coin, @cycle, @odd, 0.1 + 0.2, '-0'::float8, 5e-324, 1.7976931348623157e308),
                   (@coin, @cycle, @odd + interval '1 minute', '-0'::float8, 123456789.12345678, 2.2e-308, 1);
            INSERT INTO price_series_piece (coin_key, grp, start, t, p)
            SELECT coin_key, 0, date_trunc('hour', last_updated_at, 'UTC'),
                   array_agg(extract(epoch FROM last_updated_at - date_trunc('hour', last_updated_at, 'UTC'))::smallint
                       ORDER BY last_updated_at),
                   array_agg(usd ORDER BY last_updated_at)
            FROM price_sample WHERE last_updated_at < date_trunc('hour', now(), 'UTC') GROUP BY 1, 3;
            UPDATE price_series_compaction
               SET pieces_from = date_trunc('hour', now() - interval '6 hours', 'UTC'),
                   pieces_until = date_trunc('hour', now(), 'UTC');
            """, new { coin = data.Coins[1].CoinKey, cycle = data.CycleId, odd });
    }
}
