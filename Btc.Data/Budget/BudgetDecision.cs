namespace Btc.Data.Budget;

/// <summary>A call granted (no <see cref="RetryAt"/>), or refused until <see cref="RetryAt"/>.</summary>
public readonly record struct BudgetDecision(DateTime? RetryAt)
{
    public bool Granted => RetryAt is null;

    public static readonly BudgetDecision Grant = new(null);
}
