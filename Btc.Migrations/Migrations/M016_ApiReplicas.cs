using FluentMigrator;

namespace Btc.Migrations.Migrations;

/// <summary>
/// What the API replicas share so that they behave as one: the Data Protection key ring (the dashboard's
/// antiforgery tokens one replica issues, another accepts) and the registry of live replicas (the rate limit and the
/// stream cap hold for a client across them).
/// </summary>
[Migration(16, "API replicas: the shared key ring and the replica registry")]
public sealed class M016_ApiReplicas : Migration
{
    public override void Up() => Execute.Sql("""
        -- One row per element of ASP.NET Core's key ring (a key, or a revocation), its XML as the framework writes
        -- it: the keys themselves, unencrypted. Secrets, backed up with the rest.
        CREATE TABLE data_protection_key (
            name      text PRIMARY KEY,
            xml       text NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT now()
        );

        -- Each API process's heartbeat: seen within the last seconds, it is live. streams holds its open live streams
        -- per client ({"address:203.0.113.7": 3}), as of its change number streams_version.
        CREATE TABLE api_replica (
            replica_id      uuid PRIMARY KEY,
            started_at      timestamptz NOT NULL DEFAULT now(),
            seen_at         timestamptz NOT NULL,
            streams         jsonb NOT NULL,
            streams_version bigint NOT NULL
        );
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE api_replica;
        DROP TABLE data_protection_key;
        """);
}
