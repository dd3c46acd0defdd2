namespace Btc.Hosting.Jobs;

/// <summary>Recomputes every currency's volatility ranks, both measures, after a poll cycle.</summary>
public interface IVolatilityRanksJob
{
    Task RunAsync(CancellationToken ct);
}
