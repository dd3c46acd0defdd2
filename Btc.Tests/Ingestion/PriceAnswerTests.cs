using Btc.Data.Coins;
using Btc.Data.Currencies;
using Btc.Worker.CoinGecko;
using Btc.Worker.Polling;

namespace Btc.Tests.Ingestion;

/// <summary>A /simple/price answer read coin by coin: nonsense is refused with its reason, the rest stored.</summary>
public sealed class PriceAnswerTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
    private static readonly double NowSeconds = (Now - DateTime.UnixEpoch).TotalSeconds;
    private static readonly Currency[] Currencies = [new(1, "usd", "usd"), new(2, "eur", "eur")];

    [Theory]
    [InlineData(-1.5, null, "usd price -1.5 is not a price")]
    [InlineData(1e300, null, "usd price 1E+300 is not a price")]
    [InlineData(double.PositiveInfinity, null, "usd price Infinity is not a price")]
    [InlineData(2.0, -3.0, "eur price -3 is not a price")]
    public void A_coin_with_a_price_that_is_not_one_is_refused_whole(double usd, double? eur, string reason)
    {
        var read = Read(
            new() { ["good"] = Quote(NowSeconds - 30, 1.0, 0.9), ["bad"] = Quote(NowSeconds - 30, usd, eur) });

        read.Samples.Should().ContainSingle().Which.CoinKey.Should().Be(1);
        (read.Refused, read.Skipped).Should().Be((1, 0));
        read.Refusal.Should().Be($"'bad': {reason}");
    }

    [Theory]
    [InlineData(0, "is before CoinGecko existed")]
    [InlineData(1_000_000_000_000, "is in the future")] // milliseconds where seconds belong: the year 33658
    [InlineData(-1, "is before CoinGecko existed")]
    public void An_impossible_update_time_is_refused(double unixSeconds, string reason)
    {
        var read = Read(new() { ["good"] = Quote(NowSeconds, 1.0, 0.9), ["bad"] = Quote(unixSeconds, 1.0, 0.9) });

        read.Refused.Should().Be(1);
        read.Refusal.Should().Contain(reason);
        read.Samples.Should().ContainSingle();
    }

    [Fact]
    public void A_time_a_little_ahead_is_clock_skew_and_kept_but_an_hour_ahead_is_refused()
    {
        var read = Read(
            new() { ["good"] = Quote(NowSeconds + 60, 1.0, 0.9), ["bad"] = Quote(NowSeconds + 3600, 1.0, 0.9) });

        read.Samples.Select(s => s.CoinKey).Should().Equal(1);
        read.Refusal.Should().Be($"'bad': last_updated_at {NowSeconds + 3600} is in the future");
    }

    [Fact]
    public void Ids_not_asked_for_are_ignored_and_said_and_a_missing_coin_or_price_is_no_refusal()
    {
        var read = Read(new()
        {
            ["good"] = Quote(NowSeconds, 1.0, null),
            ["stranger"] = Quote(NowSeconds, 5.0, 5.0),
            ["another"] = Quote(NowSeconds, 5.0, 5.0),
        });

        read.Samples.Should().ContainSingle().Which.Prices.Should().Equal(1.0, null);
        (read.Refused, read.Skipped).Should().Be((0, 1), "'bad' had no answer");
        read.Refusal.Should().Be("2 id(s) not asked for, ignored");
    }

    [Fact]
    public void A_dead_coins_years_old_price_is_skipped_not_refused()
    {
        var yearsAgo = (new DateTime(2021, 5, 1) - DateTime.UnixEpoch).TotalSeconds;
        var read = Read(new() { ["good"] = Quote(NowSeconds, 1.0, 0.9), ["bad"] = Quote(yearsAgo, 1.0, 0.9) });

        (read.Samples.Count, read.Skipped, read.Refused, read.Refusal).Should().Be((1, 1, 0, null));
    }

    private static PageSamples Read(Dictionary<string, Dictionary<string, double?>> answer) =>
        PriceAnswer.Read(
            answer,
            [new TrackedCoin(1, "good"), new TrackedCoin(2, "bad")],
            Currencies,
            Now,
            Now.Date.AddDays(-7));

    private static Dictionary<string, double?> Quote(double lastUpdatedAt, double usd, double? eur) =>
        new() { ["usd"] = usd, ["eur"] = eur, ["last_updated_at"] = lastUpdatedAt };
}
