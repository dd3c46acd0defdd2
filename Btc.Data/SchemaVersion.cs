namespace Btc.Data;

public static class SchemaVersion
{
    /// <summary>The newest migration this code needs; the API is not ready on an older schema.</summary>
    public const long Required = 8;
}
