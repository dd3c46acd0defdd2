namespace Btc.Worker.Backfill;

/// <summary>What filling one task came to, and so what the run does next.</summary>
internal abstract record FillResult
{
    /// <summary>Its points stored (how many).</summary>
    public sealed record Stored(int Points) : FillResult;

    /// <summary>Counted towards giving the task up; the run goes on with the next.</summary>
    public sealed record TaskFailed : FillResult;

    /// <summary>No call could be made: the task stays as it was, and calls may be had again then.</summary>
    public sealed record WaitUntil(DateTime Until) : FillResult;

    /// <summary>CoinGecko is down or failing: the rest waits for a later run.</summary>
    public sealed record StopRun : FillResult;
}
