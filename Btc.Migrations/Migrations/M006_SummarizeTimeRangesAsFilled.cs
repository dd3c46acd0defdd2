using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// A BRIN range inserted into stays unsummarized (so every query scans it) until the next VACUUM, and autovacuum
/// comes to an insert-only partition only after a fifth of it is new: the rank recompute, which reads an hour of a
/// day's partition through this index, would scan up to a fifth of the day. With autosummarize each range is
/// summarized as soon as the next one starts filling.
/// </summary>
[Migration(6, "Summarize BRIN ranges as they fill")]
public sealed class M006_SummarizeTimeRangesAsFilled : Migration
{
    // Partitioned indexes take no ALTER INDEX … SET: recreate it, and each partition's index with it.
    public override void Up() => Execute.Sql("""
        DROP INDEX price_sample_last_updated_at;
        CREATE INDEX price_sample_last_updated_at ON price_sample USING brin (last_updated_at) WITH (autosummarize = on);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX price_sample_last_updated_at;
        CREATE INDEX price_sample_last_updated_at ON price_sample USING brin (last_updated_at);
        """);
}
