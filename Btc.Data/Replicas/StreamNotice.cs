using System.Text.Json;

namespace Btc.Data.Replicas;

/// <summary>
/// A replica's new count of open live streams for one client, said on <see cref="ReplicaRegistry.Channel"/> when a
/// stream opens or closes, so that the other replicas count it within milliseconds rather than at the next heartbeat.
/// <paramref name="Version"/> is the replica's change number after this change: it orders the notice against the
/// heartbeats, which may be read after a newer notice.
/// </summary>
public sealed record StreamNotice(Guid ReplicaId, string Client, int Count, long Version)
{
    public string ToPayload() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <summary>The notice in a payload, or null when it is none (anyone connected may notify the channel).</summary>
    public static StreamNotice? Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<StreamNotice>(payload, JsonSerializerOptions.Web) is
                { Client: not null } notice ? notice : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
