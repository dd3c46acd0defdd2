using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// The dashboard password every API replica shares when the operator set none: the first replica to start makes it.
/// </summary>
[Migration(17, "The generated dashboard password, shared by every API replica")]
public sealed class M017_DashboardPassword : Migration
{
    public override void Up() => Execute.Sql("""
        -- One row at most. protected is the password as the shared Data Protection key ring protects it (never in
        -- clear): only a process holding that ring (data_protection_key) reads it.
        CREATE TABLE dashboard_password (
            id         smallint PRIMARY KEY CHECK (id = 1),
            protected  text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """);

    public override void Down() => Execute.Sql("DROP TABLE dashboard_password;");
}
