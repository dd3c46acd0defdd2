using Dapper;
using Npgsql;

namespace Btc.Data.Currencies;

public sealed class CurrencyStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<Currency>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Currency>(new CommandDefinition("""
            SELECT currency_key AS CurrencyKey, code AS Code, column_name AS ColumnName
            FROM currency ORDER BY currency_key
            """, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Stores the codes not yet known (their prices go to price_sample_extra).</summary>
    /// <returns>The codes that were added.</returns>
    public async Task<IReadOnlyList<string>> AddMissingAsync(IEnumerable<string> codes, CancellationToken ct = default)
    {
        var normalized = codes.Select(c => c.Trim().ToLowerInvariant())
            .Where(c => c.Length > 0).Distinct().Order().ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        var added = await connection.QueryAsync<string>(new CommandDefinition("""
            INSERT INTO currency (code) SELECT unnest(@codes)
            ON CONFLICT (code) DO NOTHING
            RETURNING code
            """, new { codes = normalized }, cancellationToken: ct));
        return added.AsList();
    }
}
