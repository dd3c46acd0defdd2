namespace Btc.Hosting.Jobs;

public static class RecurringJobIds
{
    public const string PollCycle = "poll-cycle";
    public const string SyncCurrencies = "sync-currencies";
    public const string PartitionMaintenance = "partition-maintenance";
    public const string SeriesCompaction = "series-compaction";
    public const string BarRollup = "bar-rollup";
    public const string Backfill = "backfill";
}
