using Btc.Data.Freshness;
using Btc.Data.Prices;
using Dapper;
using Npgsql;

namespace Btc.Data.Backfill;

/// <summary>
/// A task held by one replica: its row stays locked until the points are stored or the claim is let go.
/// </summary>
public sealed class BackfillClaim(NpgsqlConnection connection, NpgsqlTransaction tx, BackfillTask task)
    : IAsyncDisposable
{
    public BackfillTask Item { get; } = task;

    /// <summary>
    /// Stores the points that fall inside the gap (a point already there stays) and marks the task done.
    /// </summary>
    public async Task<int> CompleteAsync(IReadOnlyList<PricePoint> points, int calls, CancellationToken ct = default)
    {
        var inside = points.Where(p => UnixTime.ToDateTime(p.UnixSeconds) is var at && at > Item.From && at < Item.Until
                                       && double.IsFinite(p.Price) && p.Price > 0).ToArray();
        var stored = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO price_fill (coin_key, currency_key, at, price)
            SELECT @coinKey, @currencyKey, to_timestamp(t), p FROM unnest(@times, @prices) AS x(t, p)
            ON CONFLICT DO NOTHING
            """, new
            {
                coinKey = Item.CoinKey, currencyKey = Item.CurrencyKey,
                times = inside.Select(p => (double)p.UnixSeconds).ToArray(),
                prices = inside.Select(p => p.Price).ToArray(),
            }, tx, cancellationToken: ct));
        await MarkAsync(stored, calls, null, done: true, ct);
        await tx.CommitAsync(ct);
        // After the commit, as every writer of served data does (docs/data-model.md).
        if (stored > 0)
            await DataChanges.NotifyAsync(connection, ct);
        return stored;
    }

    /// <summary>
    /// Counts a failed answer and puts the task off (30 s, then 2 minutes), so that others go first; after
    /// <see cref="BackfillStore.MaxAttempts"/> the task is given up, its error kept.
    /// </summary>
    public async Task FailAsync(int calls, string error, CancellationToken ct = default)
    {
        await MarkAsync(
            0, calls, error, done: Item.Attempts + 1 >= BackfillStore.MaxAttempts, ct,
            putOff: TimeSpan.FromSeconds(30 * Math.Pow(4, Item.Attempts)));
        await tx.CommitAsync(ct);
    }

    /// <summary>Puts the task off without charging it (CoinGecko down or slow, not the task's fault).</summary>
    public async Task DeferAsync(TimeSpan by, CancellationToken ct = default)
    {
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE backfill_task SET next_try_at = clock_timestamp() + @by
             WHERE gap_id = @GapId AND coin_key = @CoinKey AND currency_key = @CurrencyKey
            """, new { by, Item.GapId, Item.CoinKey, Item.CurrencyKey }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Counts an attempt (and what it brought); a task not done is put off by <paramref name="putOff"/>.
    /// </summary>
    private Task<int> MarkAsync(
        int points, int calls, string? error, bool done, CancellationToken ct, TimeSpan putOff = default) =>
        connection.ExecuteAsync(new CommandDefinition("""
            UPDATE backfill_task
               SET points = points + @points, calls = calls + @calls, attempts = attempts + 1, last_error = @error,
                   done_at = CASE WHEN @done THEN clock_timestamp() END, next_try_at = clock_timestamp() + @putOff
             WHERE gap_id = @gapId AND coin_key = @coinKey AND currency_key = @currencyKey
            """, new { points, calls, error, done, putOff, Item.GapId, Item.CoinKey, Item.CurrencyKey }, tx,
            cancellationToken: ct));

    public async ValueTask DisposeAsync()
    {
        await tx.DisposeAsync();
        await connection.DisposeAsync();
    }
}
