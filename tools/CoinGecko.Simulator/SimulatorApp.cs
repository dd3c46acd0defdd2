using System.Text.Json.Serialization;

namespace CoinGecko.Simulator;

public static class SimulatorApp
{
    /// <summary>Builds the simulator; settings come from the "Simulator" configuration section.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddOptions<SimulatorOptions>()
            .BindConfiguration("Simulator").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.ConfigureHttpJsonOptions(
            json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton(
            sp => new Market(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SimulatorOptions>>().Value));
        builder.Services.AddSingleton<CallLog>();
        builder.Services.AddSingleton<Faults>();

        var app = builder.Build();
        app.MapCoinGecko();
        app.MapSimulatorControls();
        return app;
    }
}
