using Btc.Data.Currencies;
using Btc.Data.History.Series.Codec;
using Btc.Data.History.Series.Pieces;
using Btc.Data.History.Series.Rates;
using Dapper;
using Npgsql;

namespace Btc.Data.Live;

/// <summary>
/// The commit cursor (docs/decisions/0007): every page that stores prices takes the next position in its own
/// transaction, under the counter's row lock held until its commit, so positions are given in commit order and a
/// reader that has seen position N has seen every page before it. The live streams read pages after a position.
/// </summary>
public sealed class PriceCommits(NpgsqlDataSource db, CurrencyStore currencies, RateStore? rates = null)
{
    private readonly RateStore _rates = rates ?? new RateStore();

    /// <summary>
    /// CTEs a page's bookkeeping statement ends with, after the CTE ins (the keys just stored): the next position and
    /// the page's row. Last in the statement, so that the counter's row lock is held for the commit only.
    /// </summary>
    public const string CommitCtes = """
        commit_cursor AS (
            UPDATE price_commit_cursor SET position = position + 1 WHERE EXISTS (SELECT 1 FROM ins)
            RETURNING position
        ), commit_row AS (
            INSERT INTO price_commit (position, cycle_id, page_no, coin_keys, updated_at)
            SELECT position, @cycle_id, @page_no,
                   ARRAY(SELECT coin_key FROM ins ORDER BY coin_key, last_updated_at),
                   ARRAY(SELECT last_updated_at FROM ins ORDER BY coin_key, last_updated_at)
            FROM commit_cursor
        )
        """;

    private const string SpanSql = """
        SELECT coalesce((SELECT min(position) - 1 FROM price_commit), c.position), c.position
        FROM price_commit_cursor c
        """;

    private const string DropSql = "DELETE FROM price_commit WHERE committed_at < @before";

    private string? _pagesSql;

    /// <summary>From where a stream may resume, and the last position committed.</summary>
    public async Task<CursorSpan> SpanAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var (after, latest) = await connection.QuerySingleAsync<(long, long)>(
            new CommandDefinition(SpanSql, cancellationToken: ct));
        return new CursorSpan(after, latest);
    }

    /// <summary>
    /// The pages at positions after <paramref name="after"/>, at most <paramref name="pages"/> of them, in position
    /// order, with every price they stored: one statement whatever the number of readers. Positions have no gaps, so
    /// the last page returned is as far as the cursor has committed.
    /// </summary>
    public async Task<IReadOnlyList<CommittedPage>> PagesAfterAsync(
        long after, int pages, CancellationToken ct = default)
    {
        var all = await currencies.ListAsync(ct);
        var sql = _pagesSql ??= PagesSql(all);
        await using var connection = await db.OpenConnectionAsync(ct);
        var (found, packed) = await ReadPagesAsync(connection, sql, after, pages, ct);
        if (packed.Count > 0)
            await UnpackAsync(connection, new SeededColumns(all), packed, ct);
        return found;
    }

    private static async Task<(List<CommittedPage> Found, List<(List<CommittedSample> Page, int Index)> Packed)>
        ReadPagesAsync(NpgsqlConnection connection, string sql, long after, int pages, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("after", after));
        command.Parameters.Add(new NpgsqlParameter("pages", (long)pages));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (found, packed) = (new List<CommittedPage>(), new List<(List<CommittedSample>, int)>());
        List<CommittedSample>? samples = null;
        while (await reader.ReadAsync(ct))
        {
            var position = reader.GetInt64(0);
            if (found.Count == 0 || found[^1].Position != position)
            {
                samples = [];
                found.Add(new CommittedPage(position, reader.GetFieldValue<DateTime>(1), samples));
            }
            // A sample packed since (decision 0006) is read from its piece: a pack moves a sample from its raw row to
            // a piece, never back, so the later read finds it. One dropped since (retention) has no prices.
            if (reader.GetBoolean(8))
                packed.Add((samples!, samples!.Count));
            samples!.Add(new CommittedSample(
                reader.GetInt32(2), reader.GetString(7), reader.GetInt64(3), Prices(reader)));
        }
        return (found, packed);
    }

    /// <summary>The seeded prices of samples packed since their page committed, from their pieces.</summary>
    private async Task UnpackAsync(NpgsqlConnection connection, SeededColumns columns,
        List<(List<CommittedSample> Page, int Index)> packed, CancellationToken ct)
    {
        var keys = packed.Select(p => p.Page[p.Index]).ToArray();
        var pieces = (await connection.QueryAsync<(int CoinKey, DateTime Start, byte[] Data)>(new CommandDefinition(
            PieceTable.HoldingSql, new
            {
                coins = keys.Select(k => k.CoinKey).ToArray(),
                times = keys.Select(k => DateTime.UnixEpoch.AddSeconds(k.UnixSeconds)).ToArray(),
            }, cancellationToken: ct))).AsList();
        var seconds = pieces.Select(p => SeriesPieceCodec.DecodeSeconds(p.Data)).ToArray();
        var quarters = await _rates.ReadAsync(connection, null,
            pieces.SelectMany((p, i) => PieceRatesOf.Quarters(p.Start, seconds[i])), ct);
        var decoded = pieces.Select((p, i) => (Piece: p, Data: SeriesPieceCodec.Decode(p.Data,
            PieceRatesOf.Piece(p.Start, seconds[i], quarters, columns.Base, columns.Count)))).ToArray();
        foreach (var (page, index) in packed)
        {
            var sample = page[index];
            foreach (var (piece, data) in decoded.Where(d => d.Piece.CoinKey == sample.CoinKey))
            {
                var i = Array.IndexOf(data.Seconds, (int)(sample.UnixSeconds - Unix(piece.Start)));
                if (i < 0)
                    continue;
                var prices = sample.PricesByCurrencyKey.ToArray();
                for (var c = 0; c < data.Columns.Length && c + 1 < prices.Length; c++)
                    prices[c + 1] = data.Columns[c][i];
                page[index] = sample with { PricesByCurrencyKey = prices };
            }
        }
    }

    private static long Unix(DateTime at) => (long)(at - DateTime.UnixEpoch).TotalSeconds;

    /// <summary>Drops the rows of pages committed before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> DropBeforeAsync(DateTime before, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(DropSql, new { before }, cancellationToken: ct));
    }

    /// <summary>Column 4 holds the seeded prices by currency key, columns 5 and 6 later currencies' prices.</summary>
    private static double?[] Prices(NpgsqlDataReader reader)
    {
        var seeded = reader.GetFieldValue<double?[]>(4);
        if (reader.IsDBNull(5))
            return seeded;
        var keys = reader.GetFieldValue<short[]>(5);
        var prices = reader.GetFieldValue<double[]>(6);
        var all = new double?[Math.Max(seeded.Length, keys.Max() + 1)];
        seeded.CopyTo(all, 0);
        for (var i = 0; i < keys.Length; i++)
            all[keys[i]] = prices[i];
        return all;
    }

    /// <summary>
    /// The seeded prices as one array indexed by currency key (element 0 unused: keys start at 1), so that one
    /// statement text serves every currency; the later currencies' from price_sample_extra.
    /// </summary>
    private static string PagesSql(IReadOnlyList<Currency> currencies)
    {
        var byKey = currencies.Where(c => c.ColumnName is not null).ToDictionary(c => (int)c.CurrencyKey, c => c);
        var last = byKey.Count == 0 ? 0 : byKey.Keys.Max();
        var columns = Enumerable.Range(0, last + 1)
            .Select(key => byKey.TryGetValue(key, out var c) ? $"s.{c.Column}" : "NULL");
        return $"""
            SELECT c.position, c.committed_at, k.coin_key, extract(epoch FROM k.at)::bigint,
                   ARRAY[{string.Join(", ", columns)}]::float8[], x.keys, x.prices, coin.id, s.coin_key IS NULL
            FROM price_commit c
            CROSS JOIN LATERAL unnest(c.coin_keys, c.updated_at) AS k(coin_key, at)
            LEFT JOIN price_sample s ON s.coin_key = k.coin_key AND s.last_updated_at = k.at
            JOIN coin ON coin.coin_key = k.coin_key
            LEFT JOIN LATERAL (
                SELECT array_agg(e.currency_key) AS keys, array_agg(e.price) AS prices
                FROM price_sample_extra e WHERE e.coin_key = k.coin_key AND e.last_updated_at = k.at) x ON true
            WHERE c.position > @after AND c.position <= @after + @pages
            ORDER BY c.position, k.coin_key
            """;
    }
}
