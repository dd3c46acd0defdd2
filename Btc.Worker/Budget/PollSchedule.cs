using Cronos;

namespace Btc.Worker.Budget;

/// <summary>
/// The poll cycle's cron expression read with Cronos, the parser Hangfire itself embeds, so that the firings counted
/// here are the ones Hangfire makes.
/// </summary>
public sealed class PollSchedule
{
    private readonly CronExpression _cron;
    private readonly Lazy<double> _minutes;

    public PollSchedule(string cron)
    {
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        _cron = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        // A week holds every pattern but monthly ones, and is cheap to count even every few seconds.
        var week = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
        _minutes = new(() => TimeSpan.FromDays(7).TotalMinutes / Math.Max(1, Count(week, week.AddDays(7))));
    }

    /// <summary>Average minutes between firings.</summary>
    public double Minutes => _minutes.Value;

    /// <summary>Firings in [from, to), counted one by one: for short spans.</summary>
    public int Count(DateTime from, DateTime to) =>
        from >= to
            ? 0
            : _cron.GetOccurrences(from, to, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: false).Count();

    /// <summary>Firings in [from, to): counted when within a day, estimated from the average spacing beyond.</summary>
    public int Estimate(DateTime from, DateTime to) =>
        to - from <= TimeSpan.FromDays(1) ? Count(from, to) : (int)Math.Ceiling((to - from).TotalMinutes / Minutes);
}
