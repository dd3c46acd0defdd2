namespace CoinGecko.Simulator;

/// <summary>Knobs for tests and benchmarks under /sim: the clock, currencies, faults and the call log.</summary>
public static class ControlEndpoints
{
    public static void MapSimulatorControls(this WebApplication app)
    {
        var sim = app.MapGroup("/sim");

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

        sim.MapPost("/rate-limit", (int callsPerMinute, Microsoft.Extensions.Options.IOptions<SimulatorOptions> options) =>
        {
            options.Value.CallsPerMinute = callsPerMinute;
            return Results.NoContent();
        });

        sim.MapPost("/monthly-cap", (int calls, Microsoft.Extensions.Options.IOptions<SimulatorOptions> options) =>
        {
            options.Value.CallsPerMonth = calls;
            return Results.NoContent();
        });

        sim.MapGet("/calls/month", (CallLog log) => Results.Json(new { month = DateTimeOffset.UtcNow.ToString("yyyy-MM"), calls = log.AnsweredInMonth(DateTimeOffset.UtcNow) }));

        sim.MapPost("/currencies/{code}", (string code, Market market) =>
            market.AddCurrency(code.ToLowerInvariant()) ? Results.Created($"/sim/currencies/{code}", null) : Results.Conflict());

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
