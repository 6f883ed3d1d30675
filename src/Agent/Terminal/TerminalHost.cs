using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Consoles;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// The dev terminal in the cluster: answers the "terminal" console grain's opens (a new login shell, or the session a
/// client reattaches to) and carries each session over a <see cref="ConsoleRelay"/> of its own to its
/// "terminal/{id}" console grain — the game console's path, one channel per session.
/// </summary>
internal sealed class TerminalHost : ITerminalHost, IAsyncDisposable
{
    private readonly TerminalSessions _sessions;
    private readonly IClusterClient _client;
    private readonly long _containerId;
    private readonly int _queuedSlices;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Relayed> _relays = new(StringComparer.Ordinal);

    /// <summary>
    /// The flow the host was made on. Relays are made and connected on it, not on the grain's call that asked for the
    /// session: a relay's pusher lives as long as its session and must not carry that one call's request context.
    /// </summary>
    private readonly ExecutionContext? _flow = ExecutionContext.Capture();

    public TerminalHost(TerminalSessions sessions, IClusterClient client, long containerId, int queuedSlices, ILogger logger)
    {
        _sessions = sessions;
        _client = client;
        _containerId = containerId;
        _queuedSlices = queuedSlices;
        _logger = logger;
    }

    /// <summary>The grain of the terminal channel, which this host registers with.</summary>
    public IConsoleGrain Grain => _client.GetGrain<IConsoleGrain>(_containerId, ConsoleLimits.TerminalChannel, null);

    public Task<TerminalOpening> OpenAsync(string? session) => OnOwnFlow(() => OpenCoreAsync(session));

    /// <summary>Registers every open session's relay again (after a reconnect, or a grain that moved silo).</summary>
    public async Task ReconnectAsync()
    {
        Relayed[] relays;
        lock (_gate)
        {
            relays = [.. _relays.Values];
        }

        foreach (var relayed in relays)
        {
            await relayed.Relay.ConnectAsync(relayed.Reference);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Relayed[] relays;
        lock (_gate)
        {
            relays = [.. _relays.Values];
            _relays.Clear();
        }

        foreach (var relayed in relays)
        {
            await DropAsync(relayed);
        }
    }

    private async Task<TerminalOpening> OpenCoreAsync(string? session)
    {
        TerminalSession terminal;
        try
        {
            terminal = session is not null && TryGet(session) is { } found
                ? found
                : await _sessions.OpenAsync(TerminalSize.Default, CancellationToken.None);
        }
        catch (TerminalLimitException ex)
        {
            return new TerminalOpening(null, ex.Message);
        }

        Relayed relayed;
        lock (_gate)
        {
            if (!_relays.TryGetValue(terminal.Id, out relayed!))
            {
                var relay = new ConsoleRelay(terminal, _client.GetGrain<IConsoleGrain>(_containerId, ConsoleLimits.TerminalSessionChannel(terminal.Id), null), _queuedSlices, _logger);
                relayed = new Relayed(relay, _client.CreateObjectReference<IConsoleAgent>(relay));
                _relays.Add(terminal.Id, relayed);
                _ = terminal.Exited.ContinueWith(_ => ForgetAsync(terminal.Id), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
            }
        }

        await relayed.Relay.ConnectAsync(relayed.Reference);
        return new TerminalOpening(terminal.Id, null);
    }

    private TerminalSession? TryGet(string session)
    {
        try
        {
            return _sessions.Get(session);
        }
        catch (TerminalSessionNotFoundException)
        {
            return null;
        }
    }

    private async Task ForgetAsync(string session)
    {
        Relayed? relayed;
        lock (_gate)
        {
            _relays.Remove(session, out relayed);
        }

        if (relayed is not null)
        {
            await DropAsync(relayed);
        }
    }

    private async Task DropAsync(Relayed relayed)
    {
        _client.DeleteObjectReference<IConsoleAgent>(relayed.Reference);
        await relayed.Relay.DisposeAsync();
    }

    private Task<T> OnOwnFlow<T>(Func<Task<T>> work)
    {
        if (_flow is null)
        {
            return work();
        }

        Task<T>? started = null;
        ExecutionContext.Run(_flow.CreateCopy(), _ => started = work(), null);
        return started!;
    }

    private sealed record Relayed(ConsoleRelay Relay, IConsoleAgent Reference);
}
