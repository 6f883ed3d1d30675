using Orleans.Configuration;
using Orleans.Runtime;

namespace ZlhGrind.Gateway.Cluster;

/// <summary>
/// Watches the outcome of every grain call the gateway makes and reports outages by state change: one warning when
/// calls start failing, one line when they succeed again, and while it lasts one warning per
/// <see cref="ClusterCallOptions.OutageSummaryInterval"/> counting the failures, instead of a line per failed request.
/// </summary>
internal sealed partial class ClusterOutageMonitor(
    Microsoft.Extensions.Options.IOptions<ClusterCallOptions> options,
    TimeProvider timeProvider,
    ILogger<ClusterOutageMonitor> logger) : IOutgoingGrainCallFilter
{
    private readonly Lock _lock = new();
    private volatile bool _lost;
    private DateTimeOffset _lostSince;
    private DateTimeOffset _periodStart;
    private long _failuresInPeriod;
    private long _failuresInOutage;

    /// <summary>True while the last grain call failed for want of a cluster.</summary>
    public bool IsLost => _lost;

    /// <summary>Orleans' own failures (no gateway, a rejected or timed-out message): the cluster is out of reach, the request was fine.</summary>
    public static bool IsOutage(Exception exception) => exception is OrleansException or TimeoutException;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (IsOutage(exception))
        {
            RecordFailure(exception);
            throw;
        }

        // Only a completed call proves the cluster is back. Other exceptions say nothing either way: a grain's own
        // (not found, conflict) would, but a connection torn down mid-call is not an answer, and calling it one would
        // flap the state during an outage.
        RecordSuccess();
    }

    public void RecordFailure(Exception exception)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            _failuresInOutage++;
            _failuresInPeriod++;
            if (!_lost)
            {
                _lost = true;
                _lostSince = now;
                _periodStart = now;
                _failuresInPeriod = 1;
                _failuresInOutage = 1;
                LogLost(logger, exception.GetType().Name, exception.Message);
                return;
            }

            var period = now - _periodStart;
            if (period >= options.Value.OutageSummaryInterval)
            {
                LogStillLost(logger, _failuresInPeriod, period, now - _lostSince);
                _periodStart = now;
                _failuresInPeriod = 0;
            }
        }
    }

    public void RecordSuccess()
    {
        if (!_lost)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!_lost)
            {
                return;
            }

            _lost = false;
            LogBack(logger, now - _lostSince, _failuresInOutage);
        }
    }

    /// <summary>Applies <see cref="ClusterCallOptions.CallTimeout"/> to the client and lets this monitor see every call.</summary>
    public static void AddTo(IClientBuilder client)
    {
        client.Services.AddOptions<ClientMessagingOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<ClusterCallOptions>>((messaging, calls) => messaging.ResponseTimeout = calls.Value.CallTimeout);
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(static services => services.GetRequiredService<ClusterOutageMonitor>());
    }

    /// <summary>Registers the <c>Cluster</c> call settings and the monitor in the gateway's services.</summary>
    public static void AddServices(IServiceCollection services)
    {
        services.AddOptions<ClusterCallOptions>().BindConfiguration(ClusterCallOptions.SectionName).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ClusterCallOptions>, ClusterCallOptionsValidator>();
        services.AddSingleton<ClusterOutageMonitor>();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster unreachable ({Reason}: {Detail}); API requests answer 503 until it is back")]
    private static partial void LogLost(ILogger logger, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster still unreachable: {FailedCalls} grain calls failed in the last {Period} (down for {Outage})")]
    private static partial void LogStillLost(ILogger logger, long failedCalls, TimeSpan period, TimeSpan outage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster reachable again after {Outage}; {FailedCalls} grain calls failed meanwhile")]
    private static partial void LogBack(ILogger logger, TimeSpan outage, long failedCalls);
}
