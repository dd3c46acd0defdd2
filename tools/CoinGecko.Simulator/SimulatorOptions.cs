using System.ComponentModel.DataAnnotations;

namespace CoinGecko.Simulator;

/// <summary>Settings of the simulated market (section "Simulator", env Simulator__*).</summary>
public sealed class SimulatorOptions
{
    [Range(1, 100_000)] public int Coins { get; set; } = 15_000;
    public int Seed { get; set; } = 42;

    /// <summary>
    /// How the currencies of a coin relate: <see cref="CurrencyModel.Shaped"/> as CoinGecko's do (one USD walk times
    /// the rates of the moment), or <see cref="CurrencyModel.Independent"/> walks, the worst case for storage.
    /// </summary>
    public CurrencyModel Currencies { get; set; } = CurrencyModel.Shaped;

    /// <summary>Calls allowed per sliding minute before 429; 0 for no limit.</summary>
    [Range(0, 100_000)] public int CallsPerMinute { get; set; }

    /// <summary>
    /// Successful calls allowed per calendar month (UTC) before 429, like a plan's monthly credits; 0 for no cap.
    /// </summary>
    [Range(0, 100_000_000)] public int CallsPerMonth { get; set; }

    /// <summary>
    /// Minutes between market_chart points within a day of now: CoinGecko's 5; tests of short gaps set 1.
    /// </summary>
    [Range(1, 60)] public int ChartMinutes { get; set; } = 5;

    /// <summary>Share of coins whose last update is years old (CoinGecko's dead coins).</summary>
    [Range(0, 1)] public double StaleShare { get; set; } = 0.05;
    /// <summary>Share of coins that lack some currencies (absent or null).</summary>
    [Range(0, 1)] public double PartialShare { get; set; } = 0.10;
    /// <summary>Share of coins /simple/price leaves out altogether.</summary>
    [Range(0, 1)] public double OmittedShare { get; set; } = 0.02;
    /// <summary>Share of coins /simple/price answers with an empty object.</summary>
    [Range(0, 1)] public double EmptyShare { get; set; } = 0.01;

    /// <summary>Random faults on every call: share answered 500, share with a malformed body, added latency.</summary>
    [Range(0, 1)] public double ErrorRate { get; set; }
    [Range(0, 1)] public double MalformedRate { get; set; }
    [Range(0, 60_000)] public int LatencyMs { get; set; }
}

public enum CurrencyModel { Shaped, Independent }
