using System.ComponentModel.DataAnnotations;

namespace Btc.Api.Live;

/// <summary>
/// Section "Api" (env Api__MaxStreams, Api__MaxStreamsPerClient, Api__StreamQueuePages): how many live streams, and
/// how far each may fall behind.
/// </summary>
public sealed class LiveOptions
{
    public const string Section = "Api";

    /// <summary>Streams one client (its key, or its address without keys) may hold open at once.</summary>
    [Range(1, 100_000, ErrorMessage = "Api__MaxStreamsPerClient must be between 1 and 100,000.")]
    public int MaxStreamsPerClient { get; set; } = 10;

    /// <summary>Streams this process holds open at once: past it, another replica should take the client.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Api__MaxStreams must be between 1 and 1,000,000.")]
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>
    /// Committed pages a stream may have waiting to be written: a client that falls further behind is dropped, so it
    /// never slows the others nor grows the process's memory, and resumes with Last-Event-ID.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Api__StreamQueuePages must be between 1 and 10,000.")]
    public int StreamQueuePages { get; set; } = 64;
}
