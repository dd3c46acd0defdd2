namespace Btc.Tests.Infrastructure;

/// <summary>A test of what happens when run as root (as CI and containers do); skipped for any other user.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
            Skip = "Runs only as root.";
    }
}
