using System.ComponentModel.DataAnnotations;

namespace Btc.Worker.History;

/// <summary>
/// Section "Retention" (env Retention__*): how long each history tier is kept. Day bars are kept for good.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>
    /// Days of minute samples (and their series pieces); the volatility ranks need the last 25 hours.
    /// </summary>
    [Range(2, 3650)] public int MinuteDays { get; set; } = 7;

    /// <summary>Days of hour bars.</summary>
    [Range(2, 36500)] public int HourDays { get; set; } = 365;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HourDays < MinuteDays)
            yield return new ValidationResult(
                $"Retention__HourDays ({HourDays}) must be at least Retention__MinuteDays ({MinuteDays}): "
                + "hour bars summarize the minute samples.");
    }
}
