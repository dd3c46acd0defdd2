using Dapper;
using Npgsql;

namespace Btc.Data.Freshness;

/// <summary>
/// A number that grows with every commit that changes what the API serves (a page's prices, the ranks, retention):
/// the API keys its caches on it. Every writer of served data bumps it in its own transaction, so a reader that
/// sees the new version also sees the new data.
/// </summary>
public sealed class DataVersion(NpgsqlDataSource db)
{
    private const int PageShards = 16;
    private const int OtherShard = PageShards;

    /// <summary>An UPDATE that bumps the version for a page (shard by page number), for a page's bookkeeping statement.</summary>
    internal static string BumpForPage(string pageNoParameter) =>
        $"UPDATE data_version SET changes = changes + 1 WHERE shard = {pageNoParameter} % {PageShards}";

    /// <summary>An UPDATE that bumps the version for any other writer (the ranks, retention).</summary>
    internal static readonly string BumpForOther = $"UPDATE data_version SET changes = changes + 1 WHERE shard = {OtherShard}";

    public async Task<long> CurrentAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT sum(changes)::bigint FROM data_version", cancellationToken: ct));
    }
}
