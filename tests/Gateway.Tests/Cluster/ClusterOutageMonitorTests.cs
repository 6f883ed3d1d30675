using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Cluster;

public sealed class ClusterOutageMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RecordFailure_LongOutage_OneWarningAtLossOneSummaryPerPeriodAndOneLineWhenBack()
    {
        var clock = new FakeTimeProvider(Start);
        var logs = new CapturingSink();
        var monitor = NewMonitor(clock, logs);

        monitor.RecordSuccess();
        for (var i = 0; i < 300; i++)
        {
            monitor.RecordFailure(new OrleansException("No gateways available"));
        }

        clock.Advance(TimeSpan.FromSeconds(59));
        monitor.RecordFailure(new TimeoutException("Response did not arrive on time"));
        var beforePeriodEnds = logs.Events.Count;
        clock.Advance(TimeSpan.FromSeconds(1));
        monitor.RecordFailure(new TimeoutException("Response did not arrive on time"));
        for (var i = 0; i < 50; i++)
        {
            monitor.RecordFailure(new TimeoutException("Response did not arrive on time"));
        }

        clock.Advance(TimeSpan.FromSeconds(30));
        monitor.RecordSuccess();
        monitor.RecordSuccess();
        monitor.RecordFailure(new OrleansException("No gateways available"));

        var events = logs.Events.ToList();
        Assert.Equal(1, beforePeriodEnds);
        Assert.Equal(
            [
                (LogEventLevel.Warning, "Cluster unreachable (OrleansException: No gateways available); API requests answer 503 until it is back"),
                (LogEventLevel.Warning, "Cluster still unreachable: 302 grain calls failed in the last 00:01:00 (down for 00:01:00)"),
                (LogEventLevel.Information, "Cluster reachable again after 00:01:30; 352 grain calls failed meanwhile"),
                (LogEventLevel.Warning, "Cluster unreachable (OrleansException: No gateways available); API requests answer 503 until it is back"),
            ],
            events.Select(e => (e.Level, e.RenderMessage().Replace("\"", "", StringComparison.Ordinal))));
        Assert.True(monitor.IsLost);
    }

    [Fact]
    public void IsOutage_GrainAnswersAndOrleansFailures_OnlyOrleansFailuresCount()
    {
        Assert.True(ClusterOutageMonitor.IsOutage(new TimeoutException()));
        Assert.True(ClusterOutageMonitor.IsOutage(new SiloUnavailableException()));
        Assert.True(ClusterOutageMonitor.IsOutage(new OrleansException("rejected")));
        Assert.False(ClusterOutageMonitor.IsOutage(new ZlhGrind.Grains.Containers.ContainerNotFoundException(123)));
        Assert.False(ClusterOutageMonitor.IsOutage(new InvalidOperationException()));
    }

    private static ClusterOutageMonitor NewMonitor(TimeProvider clock, CapturingSink logs)
    {
        var serilog = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(logs).CreateLogger();
        using var factory = new SerilogLoggerFactory(serilog);
        return new ClusterOutageMonitor(
            Options.Create(new ClusterCallOptions { OutageSummaryInterval = TimeSpan.FromMinutes(1) }),
            clock,
            factory.CreateLogger<ClusterOutageMonitor>());
    }
}
