namespace Btc.Tests.Infrastructure;

/// <summary>
/// Tests that run Hangfire servers go one at a time: each server takes worker threads and connections,
/// and on two cores parallel servers would make each other's deadlines.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HangfireCollection
{
    public const string Name = "Hangfire servers";
}
