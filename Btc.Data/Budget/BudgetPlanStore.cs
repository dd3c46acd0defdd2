using Dapper;
using Npgsql;

namespace Btc.Data.Budget;

/// <summary>
/// The one row where the worker keeps its <see cref="BudgetPlan"/>, for the next cycle and for GET /budget.
/// </summary>
public sealed class BudgetPlanStore(NpgsqlDataSource db)
{
    public async Task<BudgetPlan?> GetAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<BudgetPlan>(new CommandDefinition("""
            SELECT calls_per_minute AS CallsPerMinute, calls_per_month AS CallsPerMonth,
                   calls_per_cycle AS CallsPerCycle, cycle_minutes AS CycleMinutes, every AS Every,
                   projected_month AS ProjectedMonth, last_polled_for AS LastPolledFor, planned_at AS PlannedAt
            FROM coingecko_plan
            """, cancellationToken: ct));
    }

    /// <summary>Saves the plan; returns the cadence it replaced (null when there was none).</summary>
    public async Task<int?> SaveAsync(BudgetPlan plan, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition("""
            WITH old AS (SELECT every FROM coingecko_plan FOR UPDATE), saved AS (
                INSERT INTO coingecko_plan AS p (calls_per_minute, calls_per_month, calls_per_cycle, cycle_minutes,
                                                 every, projected_month, last_polled_for, planned_at)
                VALUES (@CallsPerMinute, @CallsPerMonth, @CallsPerCycle, @CycleMinutes, @Every, @ProjectedMonth,
                        @LastPolledFor, @PlannedAt)
                ON CONFLICT (only_row) DO UPDATE SET
                    calls_per_minute = excluded.calls_per_minute, calls_per_month = excluded.calls_per_month,
                    calls_per_cycle = excluded.calls_per_cycle, cycle_minutes = excluded.cycle_minutes,
                    every = excluded.every,
                    projected_month = excluded.projected_month, planned_at = excluded.planned_at,
                    last_polled_for = greatest(excluded.last_polled_for, p.last_polled_for)
            )
            SELECT every FROM old
            """, plan, cancellationToken: ct));
    }
}
