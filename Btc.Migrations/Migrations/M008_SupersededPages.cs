using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// A page that has not stored its prices when the next cycle starts is superseded by it: the next cycle polls the
/// same coins, fresher. Before, such a page (its worker killed, its retries spent) kept its cycle open for good, or
/// stored minutes late as if it were the cycle's. A page also says how many coins it refused for nonsense answers, and why.
/// </summary>
[Migration(8, "Pages superseded by a newer cycle; coins refused")]
public sealed class M008_SupersededPages : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE poll_cycle_page
            ADD COLUMN superseded_by integer,
            ADD COLUMN refused integer NOT NULL DEFAULT 0,
            ADD COLUMN refusal text;
        -- Cycles left open by the old rules are closed: their open pages are superseded by the newest cycle.
        UPDATE poll_cycle_page p SET superseded_by = (SELECT max(cycle_id) FROM poll_cycle)
         WHERE p.finished_at IS NULL AND p.cycle_id < (SELECT max(cycle_id) FROM poll_cycle);
        UPDATE poll_cycle SET finished_at = clock_timestamp()
         WHERE finished_at IS NULL AND cycle_id < (SELECT max(cycle_id) FROM poll_cycle);
        """);

    public override void Down() => Execute.Sql("ALTER TABLE poll_cycle_page DROP COLUMN superseded_by, DROP COLUMN refused, DROP COLUMN refusal;");
}
