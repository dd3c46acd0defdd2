namespace Btc.Data.History.Bars;

/// <summary>The history tiers, finest first: minute samples, hour bars, day bars.</summary>
public enum BarInterval
{
    Minute,
    Hour,
    Day,
}
