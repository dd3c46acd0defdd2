using System.ComponentModel.DataAnnotations;

namespace Btc.Api.Dashboard;

/// <summary>Section "Dashboard" (env Dashboard__*): who may use /hangfire from outside this machine.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    [Required, MinLength(1)] public string Username { get; set; } = "admin";

    /// <summary>When unset, a random one is made at start-up and logged once with the username.</summary>
    public string? Password { get; set; }

    internal bool PasswordGenerated { get; set; }
}
