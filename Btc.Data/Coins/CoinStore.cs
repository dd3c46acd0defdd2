using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Data.Coins;

public sealed class CoinStore(NpgsqlDataSource db)
{
    /// <summary>How many coins are tracked, and how many CoinGecko listed (0 and 0 before the first cycle).</summary>
    public async Task<(int Tracked, int Listed)> CountAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleAsync<(int, int)>(new CommandDefinition(
            "SELECT count(*) FILTER (WHERE is_tracked)::integer, count(*)::integer FROM coin", cancellationToken: ct));
    }

    /// <summary>Adds new coins and refreshes changed ones from a /coins/list answer.</summary>
    public async Task UpsertListAsync(IReadOnlyList<CoinListEntry> coins, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // The list comes every minute; rewriting 15,000 unchanged rows each time would only make bloat,
        // so last_seen_at is kept to the hour.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO coin AS c (id, symbol, name)
            SELECT * FROM unnest(@ids, @symbols, @names)
            ON CONFLICT (id) DO UPDATE
               SET symbol = excluded.symbol, name = excluded.name, last_seen_at = excluded.last_seen_at
             WHERE c.symbol <> excluded.symbol OR c.name <> excluded.name
                OR c.last_seen_at < excluded.last_seen_at - interval '1 hour'
            """,
            new
            {
                ids = coins.Select(c => c.Id).ToArray(),
                symbols = coins.Select(c => c.Symbol).ToArray(),
                names = coins.Select(c => c.Name).ToArray(),
            },
            cancellationToken: ct));
    }

    /// <summary>Makes exactly these coins the tracked ones; returns them in code-point order of id.</summary>
    public async Task<IReadOnlyList<TrackedCoin>> SetTrackedAsync(
        IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TrackedCoin>(new CommandDefinition("""
            WITH changed AS (
                UPDATE coin SET is_tracked = (id = ANY(@ids))
                WHERE is_tracked <> (id = ANY(@ids))
            )
            SELECT coin_key AS CoinKey, id AS Id FROM coin WHERE id = ANY(@ids) ORDER BY id
            """, new { ids = ids.ToArray() }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>The ids of coins with a price stored for <paramref name="window"/>, in code-point order.</summary>
    public async Task<IReadOnlyList<string>> ListIdsWithPricesAsync(PriceWindow window, CancellationToken ct = default)
        => (await ListWithPricesAsync(window, ct)).Select(c => c.Id).ToArray();

    /// <summary>
    /// The coins with a price stored for <paramref name="window"/>, with the symbol and name of CoinGecko's list, in
    /// code-point order of id.
    /// </summary>
    public async Task<IReadOnlyList<CoinListEntry>> ListWithPricesAsync(
        PriceWindow window, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var coins = await connection.QueryAsync<CoinListEntry>(new CommandDefinition("""
            SELECT id AS Id, symbol AS Symbol, name AS Name FROM coin c
            WHERE EXISTS (SELECT 1 FROM price_sample p
                          WHERE p.coin_key = c.coin_key AND p.last_updated_at >= @From AND p.last_updated_at < @To)
               OR EXISTS (SELECT 1 FROM price_piece p
                          WHERE p.coin_key = c.coin_key AND p.start > @From - interval '1 hour' AND p.start < @To)
            ORDER BY id
            """, window, cancellationToken: ct));
        return coins.AsList();
    }

    public async Task<int?> FindKeyAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "SELECT coin_key FROM coin WHERE id = @id", new { id }, cancellationToken: ct));
    }
}
