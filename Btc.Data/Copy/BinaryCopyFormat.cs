namespace Btc.Data.Copy;

/// <summary>The constants of PostgreSQL's binary COPY format that its reader and writer share.</summary>
internal static class BinaryCopyFormat
{
    public static readonly byte[] Signature =
        [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    /// <summary>The signature, a flags field and the header extension's length.</summary>
    public const int HeaderBytes = 11 + 4 + 4;

    /// <summary>Timestamps count microseconds from here.</summary>
    public static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
}
