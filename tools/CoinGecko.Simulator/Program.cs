namespace CoinGecko.Simulator;

// A stand-in for CoinGecko API v3: dotnet run --project tools/CoinGecko.Simulator -- --urls http://127.0.0.1:8100
internal static class Program
{
    private static void Main(string[] args) => SimulatorApp.Build(args).Run();
}
