using Microsoft.Extensions.Options;

namespace Btc.Api.Dashboard;

/// <summary>
/// The password the dashboard checks: the configured one, or the one every replica shares once
/// <see cref="SharedPassword"/> has it (until then, none: only loopback requests get in).
/// </summary>
public sealed class DashboardPassword(IOptions<DashboardOptions> options)
{
    private volatile string? _shared;

    public bool Configured => !string.IsNullOrEmpty(options.Value.Password);

    public string? Current => Configured ? options.Value.Password : _shared;

    internal void Share(string password) => _shared = password;
}
