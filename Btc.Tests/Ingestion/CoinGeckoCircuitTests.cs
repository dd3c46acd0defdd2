using Btc.Tests.Infrastructure;
using Btc.Worker.CoinGecko;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Btc.Tests.Ingestion;

/// <summary>The circuit on a clock the test moves: when it opens, its probe, and a probe that never called.</summary>
public sealed class CoinGeckoCircuitTests
{
    private readonly FixedClock _clock = new(new DateTimeOffset(2027, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly CoinGeckoCircuit _circuit;

    public CoinGeckoCircuitTests() => _circuit = new CoinGeckoCircuit(
        Options.Create(new CoinGeckoOptions { TimeoutSeconds = 2 }), _clock, NullLogger<CoinGeckoCircuit>.Instance);

    [Fact]
    public void Half_of_five_attempts_failing_within_two_timeouts_opens_it_for_three_timeouts()
    {
        foreach (var failed in new[] { false, true, false, true })
            _circuit.Record(failed);
        _circuit.IsOpen.Should().BeFalse("four attempts are too few to judge");
        _circuit.Record(failed: true);

        _circuit.IsOpen.Should().BeTrue("3 of 5 attempts failed");
        _circuit.TryPass(out var pausedUntil, out _).Should().BeFalse();
        pausedUntil.Should().Be(_clock.Now.UtcDateTime.AddSeconds(6));
    }

    [Fact]
    public void After_the_break_one_probe_goes_out_and_its_answer_closes_the_circuit()
    {
        Open();
        _clock.Now += TimeSpan.FromSeconds(6);

        _circuit.TryPass(out _, out var probe).Should().BeTrue();
        probe.Should().NotBeNull();
        _circuit.TryPass(out _, out _).Should().BeFalse("one probe at a time");
        _circuit.Record(failed: false);

        _circuit.TryPass(out _, out var after).Should().BeTrue();
        after.Should().BeNull("the circuit is closed: no probe");
    }

    [Fact]
    public void A_probe_that_made_no_attempt_lets_the_next_call_probe()
    {
        Open();
        _clock.Now += TimeSpan.FromSeconds(6);
        _circuit.TryPass(out _, out var probe).Should().BeTrue();

        // Its call was refused by the budget: no attempt, no answer.
        _circuit.Release(probe);

        _circuit.TryPass(out _, out var next).Should().BeTrue("the probe's place is free again");
        next.Should().NotBeNull();
        _circuit.Release(probe);
        _circuit.TryPass(out _, out _).Should().BeFalse("an old probe's release frees no newer probe's place");
    }

    [Fact]
    public void A_failed_probe_opens_it_again()
    {
        Open();
        _clock.Now += TimeSpan.FromSeconds(6);
        _circuit.TryPass(out _, out _).Should().BeTrue();

        _circuit.Record(failed: true);

        _circuit.IsOpen.Should().BeTrue();
        _circuit.ClosesAt.Should().Be(_clock.Now.UtcDateTime.AddSeconds(6));
    }

    private void Open()
    {
        for (var i = 0; i < 5; i++)
            _circuit.Record(failed: true);
        _circuit.IsOpen.Should().BeTrue();
    }
}
