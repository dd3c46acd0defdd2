using System.IO.Compression;
using Microsoft.Net.Http.Headers;

namespace Btc.Api.Page;

/// <summary>
/// One of the page's files (or its HTML): its bytes, type and content hash, and its Brotli and gzip forms, each made
/// once, on first use, rather than again for every request.
/// </summary>
public sealed class PageAsset
{
    private readonly Lazy<byte[]?> _brotli;
    private readonly Lazy<byte[]?> _gzip;

    public PageAsset(byte[] body, string contentType, string hash)
    {
        (Body, ContentType, Hash) = (body, contentType, hash);
        var compressible = contentType.StartsWith("text/", StringComparison.Ordinal);
        _brotli = new Lazy<byte[]?>(() => compressible ? Smaller(Brotli(body)) : null);
        _gzip = new Lazy<byte[]?>(() => compressible ? Smaller(Gzip(body)) : null);
    }

    public byte[] Body { get; }
    public string ContentType { get; }
    public string Hash { get; }

    /// <summary>The form the request accepts, smallest first: Brotli, then gzip, else the bytes as they are.</summary>
    public (byte[] Body, string? Encoding) For(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        if (Accepts(accepted, "br") && _brotli.Value is { } brotli)
            return (brotli, "br");
        if (Accepts(accepted, "gzip") && _gzip.Value is { } gzip)
            return (gzip, "gzip");
        return (Body, null);
    }

    private static bool Accepts(IList<StringWithQualityHeaderValue> accepted, string encoding) =>
        accepted.Any(a => a.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    private byte[]? Smaller(byte[] compressed) => compressed.Length < Body.Length ? compressed : null;

    private static byte[] Brotli(byte[] body)
    {
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(body.Length)];
        // Quality 6: 10 ms for the charts library where 11 takes 300 ms (a first visitor's wait) to save 10 %.
        if (!BrotliEncoder.TryCompress(body, output, out var written, quality: 6, window: 22))
            throw new InvalidOperationException("Brotli output larger than its bound.");
        return output[..written];
    }

    private static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            gzip.Write(body);
        return output.ToArray();
    }
}
