using Dapper;
using Npgsql;

namespace Btc.Data.Currencies;

public sealed class CurrencyStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<Currency>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Currency>(new CommandDefinition("""
            SELECT currency_key AS CurrencyKey, code AS Code, column_name AS ColumnName, extra_index AS ExtraIndex
            FROM currency ORDER BY currency_key
            """, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Stores the codes not yet known; a new one gets the next slot in price_sample.extra_prices.</summary>
    /// <returns>The codes that were added.</returns>
    public async Task<IReadOnlyList<string>> AddMissingAsync(IEnumerable<string> codes, CancellationToken ct = default)
    {
        var normalized = codes.Select(c => c.Trim().ToLowerInvariant()).Where(c => c.Length > 0).Distinct().ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        // Serialized so two replicas cannot hand out the same extra slot.
        // Both statements run in one implicit transaction; the second takes its snapshot after the lock.
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT pg_advisory_xact_lock(hashtext('currency.extra_index'));
            INSERT INTO currency (code, extra_index)
            SELECT n.code, (SELECT coalesce(max(extra_index), 0) FROM currency) + row_number() OVER (ORDER BY n.code)
            FROM unnest(@codes) AS n(code)
            WHERE NOT EXISTS (SELECT 1 FROM currency c WHERE c.code = n.code)
            RETURNING code;
            """, new { codes = normalized }, cancellationToken: ct));
        await results.ReadAsync();
        return (await results.ReadAsync<string>()).AsList();
    }
}
