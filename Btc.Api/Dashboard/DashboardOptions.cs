using System.ComponentModel.DataAnnotations;

namespace Btc.Api.Dashboard;

/// <summary>Section "Dashboard" (env Dashboard__*): who may use /hangfire from outside this machine.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    [Required, MinLength(1)] public string Username { get; set; } = "admin";

    /// <summary>
    /// When unset, one random password for every replica, made by the first to start (<see cref="SharedPassword"/>)
    /// and written to <see cref="PasswordFile"/> by each, never logged.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Where the generated password is written (readable by the API's user only).</summary>
    [Required, MinLength(1)] public string PasswordFile { get; set; } = Path.Combine(
        Path.GetTempPath(), "btc-dashboard-password");
}
