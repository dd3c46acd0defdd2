using System.Text.Json;

namespace Btc.Benchmarks;

public static class PlanBuffers
{
    /// <summary>
    /// Shared buffers (hit + read) of a whole statement, from its <c>EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)</c>: the
    /// top node's counts include every node under it.
    /// </summary>
    public static long Of(string explainJson)
    {
        using var json = JsonDocument.Parse(explainJson);
        var top = json.RootElement[0].GetProperty("Plan");
        return top.GetProperty("Shared Hit Blocks").GetInt64() + top.GetProperty("Shared Read Blocks").GetInt64();
    }
}
