using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// API keys, for when the API requires one (Api__RequireKey): only a key's SHA-256 is kept, beside a short prefix
/// that names it in lists and logs. A revoked key stays, so a list shows what was revoked and when.
/// </summary>
[Migration(9, "API keys")]
public sealed class M009_ApiKeys : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE api_key (
            key_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name       text NOT NULL,
            prefix     text NOT NULL UNIQUE,
            sha256     bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE UNIQUE INDEX api_key_active_name ON api_key (name) WHERE revoked_at IS NULL;
        """);

    public override void Down() => Execute.Sql("DROP TABLE api_key;");
}
