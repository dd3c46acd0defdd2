using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// Counts the commits that change what the API serves, so that its caches can be keyed on what changed instead of
/// the wall-clock minute: a page's prices are served on the next request after its commit. Counted in shards, one
/// per page number modulo 16 and one for everything else (ranks, retention): pages of one cycle never queue on one
/// row's lock (which cost half the ingest rate when every page bumped its cycle's row; see M007). The version is the sum.
/// </summary>
[Migration(8, "Data version for the API's caches")]
public sealed class M008_DataVersion : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE data_version (
            shard   smallint PRIMARY KEY,
            changes bigint NOT NULL DEFAULT 0
        );
        INSERT INTO data_version (shard) SELECT generate_series(0, 16);
        """);

    public override void Down() => Execute.Sql("DROP TABLE data_version;");
}
