using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Re-checks the session of an open WebSocket every cache TTL and cuts the connection once the session is revoked
/// or expired. Without it a revoked user would keep the IDE through its long-lived socket; with it revocation bites
/// open sockets within about two TTLs (the cached answer plus one tick). One per socket, never per request.
/// </summary>
internal sealed partial class SessionWatch : IDisposable
{
    private readonly HttpContext _http;
    private readonly IdeSessionCache _sessions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly long _containerId;
    private readonly string _sessionId;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private bool _done;

    public SessionWatch(HttpContext http, IdeSessionCache sessions, TimeProvider timeProvider, TimeSpan every, ILogger logger, long containerId, string sessionId)
    {
        _http = http;
        _sessions = sessions;
        _timeProvider = timeProvider;
        _logger = logger;
        _containerId = containerId;
        _sessionId = sessionId;
        _timer = timeProvider.CreateTimer(static state => _ = ((SessionWatch)state!).CheckAsync(), this, every, every);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
        }

        _timer.Dispose();
    }

    private async Task CheckAsync()
    {
        IdeSessionView session;
        try
        {
            session = await _sessions.GetAsync(_containerId, _sessionId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A control-plane hiccup is not a revocation: keep the socket and ask again on the next tick.
            return;
        }

        if (session.Status == IdeAccessStatus.Accepted && session.ExpiresAt > _timeProvider.GetUtcNow())
        {
            return;
        }

        lock (_gate)
        {
            // After Dispose the HttpContext may already serve another request.
            if (_done)
            {
                return;
            }

            LogCut(_logger, _containerId, session.Status);
            _http.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed an IDE WebSocket of container {ContainerId}: session {SessionStatus}")]
    private static partial void LogCut(ILogger logger, long containerId, IdeAccessStatus sessionStatus);
}
