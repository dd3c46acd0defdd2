using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Btc.Data.History.Series.Rates;

/// <summary>
/// The quarters' rates (price_rate). A row never changes once written, so what was read is kept: every coin's read
/// of the same window needs the same few quarters.
/// </summary>
public sealed class RateStore
{
    // ~8 kB a quarter: 30 days of quarters is ~23 MB.
    private const int Kept = 2_880;

    private const string ReadSql =
        "SELECT quarter, offset_s, columns, rates FROM price_rate WHERE quarter = ANY(@quarters)";

    private const string InsertSql = """
        INSERT INTO price_rate (quarter, offset_s, columns, rates) VALUES (@quarter, @offset, @columns, @rates)
        """;

    private readonly ConcurrentDictionary<DateTime, QuarterRates> _known = new();

    /// <summary>The stored rates of <paramref name="quarters"/>; a quarter without a row is left out.</summary>
    public async Task<IReadOnlyDictionary<DateTime, QuarterRates>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, IEnumerable<DateTime> quarters, CancellationToken ct)
    {
        var found = new Dictionary<DateTime, QuarterRates>();
        var missing = new List<DateTime>();
        foreach (var quarter in quarters.Distinct())
        {
            if (_known.TryGetValue(quarter, out var rates))
                found[quarter] = rates;
            else
                missing.Add(quarter);
        }
        if (missing.Count == 0)
            return found;
        await using var command = new NpgsqlCommand(ReadSql, connection, tx);
        command.Parameters.AddWithValue("quarters", missing.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var rates = new QuarterRates(reader.GetFieldValue<DateTime>(0), reader.GetInt16(1), reader.GetInt16(2),
                reader.GetFieldValue<double?[]>(3).Select(r => r ?? double.NaN).ToArray());
            found[rates.Quarter] = Remember(rates);
        }
        return found;
    }

    /// <summary>Stores a quarter's rates; the caller holds the compactor's lock, so no other writer races it.</summary>
    public async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, QuarterRates rates, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(InsertSql, connection, tx);
        command.Parameters.AddWithValue("quarter", rates.Quarter);
        command.Parameters.AddWithValue("offset", (short)rates.Offset);
        command.Parameters.AddWithValue("columns", (short)rates.Columns);
        command.Parameters.Add(new NpgsqlParameter("rates", NpgsqlDbType.Array | NpgsqlDbType.Double)
        {
            Value = rates.Rates.Select(r => double.IsNaN(r) ? (double?)null : r).ToArray(),
        });
        await command.ExecuteNonQueryAsync(ct);
    }

    private QuarterRates Remember(QuarterRates rates)
    {
        if (_known.Count >= Kept)
            _known.Clear();
        return _known[rates.Quarter] = rates;
    }
}
