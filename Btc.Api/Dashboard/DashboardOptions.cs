using System.ComponentModel.DataAnnotations;

namespace Btc.Api.Dashboard;

/// <summary>Section "Dashboard" (env Dashboard__*): who may use /hangfire from outside this machine.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    [Required, MinLength(1)] public string Username { get; set; } = "admin";

    /// <summary>
    /// When unset, a random one is made at start-up and written to <see cref="PasswordFile"/>, never logged.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Where a generated password is written (readable by the API's user only).</summary>
    [Required, MinLength(1)] public string PasswordFile { get; set; } = Path.Combine(
        Path.GetTempPath(), "btc-dashboard-password");

    internal bool PasswordGenerated { get; set; }
}
