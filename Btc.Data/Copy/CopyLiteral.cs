namespace Btc.Data.Copy;

/// <summary>COPY takes no parameters: the values it needs are timestamps and integers, formatted here.</summary>
internal static class CopyLiteral
{
    public static string Of(DateTime utc) => $"'{utc:O}'";

    public static string Of(int[] keys) => $"'{{{string.Join(',', keys)}}}'::integer[]";
}
