using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.StaticFiles;

namespace Btc.Api.Page;

/// <summary>
/// The page's files, read once from the build output (Page/files beside the API's assembly) and held in memory: each
/// with a hash of its content, and the HTML with every file's address carrying that hash (an import map does it for
/// the modules' imports of each other), so the files can be cached for a year and the HTML never is.
/// </summary>
public sealed class PageFiles
{
    public const string AssetsPath = "/app/assets/";

    private readonly Dictionary<string, PageAsset> _assets;

    private PageFiles(Dictionary<string, PageAsset> assets, PageAsset html)
    {
        _assets = assets;
        Html = html;
    }

    /// <summary>index.html with the import map and the hashed addresses written in.</summary>
    public PageAsset Html { get; }

    public PageAsset? Find(string path) => _assets.GetValueOrDefault(path);

    /// <summary>Every file's current address, as the HTML names it.</summary>
    public IEnumerable<string> Addresses => _assets.Select(a => Address(a.Key, a.Value));

    public static PageFiles Load(string folder)
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        var assets = new Dictionary<string, PageAsset>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            if (path == "index.html")
                continue;
            var body = File.ReadAllBytes(file);
            var type = types.TryGetContentType(file, out var found) ? found : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal))
                type += "; charset=utf-8";
            assets[path] = new PageAsset(body, type, Hash(body));
        }
        var html = Encoding.UTF8.GetBytes(Render(File.ReadAllText(Path.Combine(folder, "index.html")), assets));
        return new PageFiles(assets, new PageAsset(html, "text/html; charset=utf-8", Hash(html)));
    }

    /// <summary>{{importmap}} and {{asset:path}} in the HTML, filled in.</summary>
    private static string Render(string html, Dictionary<string, PageAsset> assets)
    {
        var modules = assets.Where(a => a.Key.StartsWith("js/", StringComparison.Ordinal))
            .ToDictionary(a => AssetsPath + a.Key, a => Address(a.Key, a.Value));
        var vendor = assets.Single(a => a.Key.EndsWith(".mjs", StringComparison.Ordinal));
        modules["lightweight-charts"] = Address(vendor.Key, vendor.Value);
        var map = JsonSerializer.Serialize(new { imports = modules });
        html = html.Replace("{{importmap}}", map, StringComparison.Ordinal);
        // Every module asked for at once, rather than each only once the module importing it has been parsed.
        var preloads = string.Join("\n  ", modules.Values.Order(StringComparer.Ordinal)
            .Select(address => $"<link rel=\"modulepreload\" href=\"{address}\">"));
        html = html.Replace("{{modulepreload}}", preloads, StringComparison.Ordinal);
        foreach (var (path, asset) in assets)
            html = html.Replace("{{asset:" + path + "}}", Address(path, asset), StringComparison.Ordinal);
        return html;
    }

    // 16 hex digits: a collision between two versions of one file is not a practical concern.
    private static string Hash(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body))[..16];

    private static string Address(string path, PageAsset asset) => $"{AssetsPath}{path}?v={asset.Hash}";
}
