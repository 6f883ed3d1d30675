using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// The dev container's terminal sessions: open one (a new shell), find one by id to reattach, at most
/// <c>MaxSessions</c> at once. A session leaves the table when its shell has exited.
/// </summary>
internal sealed partial class TerminalSessions(
    DevUserEnvironment dev,
    IOptions<TerminalOptions> options,
    TimeProvider time,
    ILogger<TerminalSessions> logger) : IAsyncDisposable
{
    /// <summary>128 random bits, as lowercase hex: a session id cannot be guessed from another.</summary>
    private const int IdHexDigits = 32;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, TerminalSession> _sessions = new(StringComparer.Ordinal);
    private int _opening;

    /// <summary>Sessions open now (their shells not yet exited).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Starts a new shell for the dev user; <see cref="TerminalLimitException"/> when <c>MaxSessions</c> are open.</summary>
    public async Task<TerminalSession> OpenAsync(TerminalSize size, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        lock (_lock)
        {
            // Counted before anything starts, so a refused open leaves nothing behind and two racing opens cannot both pass.
            if (_sessions.Count + _opening >= settings.MaxSessions)
            {
                LogLimitReached(logger, _sessions.Count + _opening, settings.MaxSessions);
                throw new TerminalLimitException(settings.MaxSessions);
            }

            _opening++;
        }

        try
        {
            var user = await dev.EnsureAsync(cancellationToken);
            var id = RandomNumberGenerator.GetHexString(IdHexDigits, lowercase: true);
            var session = TerminalSession.Start(id, user, dev.Variables(), size, settings, time, logger);
            lock (_lock)
            {
                _sessions.Add(id, session);
            }

            _ = session.Exited.ContinueWith(_ => Remove(session), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return session;
        }
        finally
        {
            lock (_lock)
            {
                _opening--;
            }
        }
    }

    /// <summary>The open session with <paramref name="id"/>; <see cref="TerminalSessionNotFoundException"/> otherwise.</summary>
    public TerminalSession Get(string id)
    {
        lock (_lock)
        {
            return id is not null && _sessions.TryGetValue(id, out var session) && !session.IsEnding
                ? session
                : throw new TerminalSessionNotFoundException();
        }
    }

    /// <summary>Ends every session and waits for their shells.</summary>
    public async ValueTask DisposeAsync()
    {
        TerminalSession[] sessions;
        lock (_lock)
        {
            sessions = [.. _sessions.Values];
        }

        // All end at once, so stopping the agent waits one EndTimeout at most, not one per session.
        await Task.WhenAll(sessions.Select(session => session.DisposeAsync().AsTask()));
    }

    private void Remove(TerminalSession session)
    {
        lock (_lock)
        {
            _sessions.Remove(session.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal refused: {Count} sessions are open, the limit is {MaxSessions}")]
    private static partial void LogLimitReached(ILogger logger, int count, int maxSessions);
}
