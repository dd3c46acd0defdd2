using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// The commit cursor the live streams follow: one row per page that stored prices, numbered in commit order by a
/// counter every such page updates last, just before its commit (docs/decisions/0007).
/// </summary>
[Migration(15, "Price commits: the live streams' cursor")]
public sealed class M015_PriceCommits : Migration
{
    public override void Up() => Execute.Sql("""
        -- The last position given. A page updates this one row in its transaction: its row lock, held until the
        -- commit, makes the pages' commits take positions one after another, so position order is commit order.
        CREATE TABLE price_commit_cursor (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            position bigint NOT NULL
        );
        INSERT INTO price_commit_cursor (position) VALUES (0);

        -- What each committed page stored: the keys of its samples (their prices stay in price_sample), so that a
        -- stream resumes from a position without a gap. No gaps between positions: a page that rolls back rolls
        -- its position back with it.
        CREATE TABLE price_commit (
            position     bigint PRIMARY KEY,
            cycle_id     integer NOT NULL,
            page_no      integer NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            coin_keys    integer[] NOT NULL,
            updated_at   timestamptz[] NOT NULL
        );
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE price_commit;
        DROP TABLE price_commit_cursor;
        """);
}
