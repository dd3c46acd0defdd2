using System.Globalization;
using System.Text.Json;

namespace Btc.Benchmarks;

/// <summary>The benchmark's figures: printed as one table and written as JSON.</summary>
public sealed class Report
{
    public sealed record Figure(string Name, double Value, string Unit, string Target, bool? Met);

    private readonly List<Figure> _figures = [];

    public void Add(string name, double value, string unit, string target = "", bool? met = null)
    {
        _figures.Add(new Figure(name, value, unit, target, met));
        Console.WriteLine(
            $"  {name}: {Format(value)} "
                + $"{unit}{(target.Length > 0 ? $" (target {target}: {(met == true ? "met" : "NOT met")})" : "")}");
    }

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"| {"figure",-62} | {"value",14} | {"target",-22} | met |");
        output.WriteLine($"|{new string('-', 64)}|{new string('-', 16)}|{new string('-', 24)}|-----|");
        foreach (var f in _figures)
            output.WriteLine(
                $"| {f.Name,-62} | {Format(f.Value) + " " + f.Unit,14} | {f.Target,-22} | "
                    + $"{(f.Met is null ? "" : f.Met.Value ? "yes" : "NO"),-3} |");
    }

    public void Write(string path, object machine) =>
        File.WriteAllText(path, JsonSerializer.Serialize(
            new { machine, figures = _figures },
            new JsonSerializerOptions { WriteIndented = true }));

    private static string Format(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.####", CultureInfo.InvariantCulture),
    };
}
