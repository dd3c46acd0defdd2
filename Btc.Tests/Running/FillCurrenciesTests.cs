using Btc.Tests.Infrastructure;
using Dapper;

namespace Btc.Tests.Running;

/// <summary>
/// The fill command writes prices shaped like CoinGecko's by default, and independent walks when asked.
/// </summary>
public sealed class FillCurrenciesTests
{
    [Fact]
    public async Task A_shaped_fill_holds_one_eur_usd_rate_per_minute_and_sats_from_btc()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        var (exit, stdout, stderr) = await FillProcess.RunAsync(
            "--coins", "6", "--hours", "1", "--connection", db.ConnectionString);

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("currency (shaped)");
        var minutes = await RatioSpreadsAsync(db);
        minutes.Should().HaveCount(60);
        minutes.Should().OnlyContain(m => m.Spread <= 4e-14, "every coin carries the minute's one rate");
        minutes.Select(m => m.Ratio).Should().OnlyHaveUniqueItems("the rate moves every minute");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<double>(
            "SELECT max(abs(sats / (btc * 1e8) - 1) + abs(bmd / usd - 1)) FROM all_sample"))
            .Should().BeLessThanOrEqualTo(2e-14);
    }

    [Fact]
    public async Task An_independent_fill_walks_each_currency_on_its_own_and_a_bad_model_gets_one_sentence()
    {
        await using var db = await DatabaseFixture.CreateAsync();

        var (exit, stdout, stderr) = await FillProcess.RunAsync(
            "--coins", "6", "--hours", "1", "--connection", db.ConnectionString, "--currencies", "independent");

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("currency (independent)");
        (await RatioSpreadsAsync(db))[^1].Spread.Should().BeGreaterThan(1e-4, "an hour of independent steps");

        var bad = await FillProcess.RunAsync(
            "--coins", "6", "--hours", "1", "--connection", "Host=x", "--currencies", "x");
        bad.Exit.Should().Be(2);
        bad.Stderr.Trim().Should().StartWith("--currencies must be shaped or independent.");
    }

    /// <summary>Per minute, the spread of eur/usd across the coins (max / min - 1) and its mean.</summary>
    private static async Task<IReadOnlyList<(double Spread, double Ratio)>> RatioSpreadsAsync(DatabaseFixture db)
    {
        await StoredSamples.MaterializeAsync(db.DataSource);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(double, double)>("""
            SELECT max(eur / usd) / min(eur / usd) - 1, avg(eur / usd)
            FROM all_sample
            GROUP BY date_trunc('minute', last_updated_at)
            ORDER BY date_trunc('minute', last_updated_at)
            """)).AsList();
    }
}
