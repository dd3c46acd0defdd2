using System.Globalization;
using Microsoft.Extensions.Options;

namespace CoinGecko.Simulator;

/// <summary>Knobs for tests and benchmarks under /sim: the clock, currencies, faults and the call log.</summary>
public static class ControlEndpoints
{
    public static void MapSimulatorControls(this WebApplication app)
    {
        var sim = app.MapGroup("/sim");
        MapClock(sim);
        MapBudget(sim);

        sim.MapPost("/currencies/{code}", (string code, Market market) =>
            market.AddCurrency(code.ToLowerInvariant())
                ? Results.Created($"/sim/currencies/{code}", null)
                : Results.Conflict());

        MapFaultsAndCalls(sim);
    }

    private static void MapClock(RouteGroupBuilder sim)
    {
        sim.MapPost("/clock/advance", (int minutes, Market market) =>
        {
            market.Advance(TimeSpan.FromMinutes(minutes));
            return Results.Ok(new { now = market.Now });
        });

        sim.MapPost("/clock/freeze", (Market market) =>
        {
            market.Freeze();
            return Results.Ok(new { now = market.Now });
        });

        sim.MapPost("/clock/run", (Market market) =>
        {
            market.Run();
            return Results.Ok(new { now = market.Now });
        });
    }

    private static void MapBudget(RouteGroupBuilder sim)
    {
        sim.MapPost("/rate-limit", (int callsPerMinute, IOptions<SimulatorOptions> options) =>
        {
            options.Value.CallsPerMinute = callsPerMinute;
            return Results.NoContent();
        });

        sim.MapPost("/monthly-cap", (int calls, IOptions<SimulatorOptions> options) =>
        {
            options.Value.CallsPerMonth = calls;
            return Results.NoContent();
        });

        sim.MapGet("/calls/month", (CallLog log, Market market) => Results.Json(new
        {
            month = market.Now.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            calls = log.AnsweredInMonth(market.Now),
        }));
    }

    private static void MapFaultsAndCalls(RouteGroupBuilder sim)
    {
        sim.MapPost("/faults", (Fault fault, Faults faults) =>
        {
            faults.Add(fault);
            return Results.Accepted();
        });

        sim.MapDelete("/faults", (Faults faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });

        sim.MapGet("/calls", (CallLog log) =>
            Results.Json(log.Snapshot().Select(c => new { at = c.At, path = c.Path })));

        sim.MapDelete("/calls", (CallLog log) =>
        {
            log.Clear();
            return Results.NoContent();
        });
    }
}
