using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Runs code-server as the dev user on the IDE port: start, stop and restart serialized behind one lock;
/// restarted with the crash backoff when it dies unasked; when one already listens on the configured port as the dev
/// user from this agent's install (left by an earlier agent, or started by hand) it is adopted instead of started twice
/// (<see cref="CodeServerProcessScanner"/>). Every state change is published. Split by concern like the game
/// supervisor: power (<c>.Power</c>), launch and readiness (<c>.Launch</c>), exit → crash (<c>.Crash</c>) and backoff
/// restarts (<c>.Restart</c>), over the shared <see cref="PowerLock"/>, <see cref="RestartPolicy"/> and
/// <see cref="RestartScheduler"/>.
/// </summary>
/// <remarks>
/// The locking rule (the same in <c>GameSupervisor</c>): every mutable field is read and written under <c>_gate</c>,
/// never across an await; a power action (and a backoff restart) takes <c>_power</c> first; only a power action
/// makes an instance current, and an exit only clears it.
/// </remarks>
internal sealed partial class CodeServerSupervisor : IDisposable
{
    /// <summary>The name of the HTTP client used for readiness probes.</summary>
    public const string ProbeClientName = "zlh-code-server-probe";
    private static readonly string[] SetsidCandidates = ["/usr/bin/setsid", "/bin/setsid"];
    private readonly CodeServerOptions _options;
    private readonly RestartPolicy _policy;
    private readonly RestartScheduler _restarts;
    private readonly CodeServerInstaller _installer;
    private readonly CodeServerProcessScanner _scanner;
    private readonly ProcFs _procFs;
    private readonly DevUserEnvironment _environment;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IAgentEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger<CodeServerSupervisor> _logger;
    private readonly PowerLock _power = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly string? _setsid = SetsidCandidates.FirstOrDefault(File.Exists);
    // Looked up once: listing the network interfaces on every heartbeat would be wasteful, and a container keeps its address.
    private readonly Lazy<string> _advertisedHost;
    private CodeServerInstance? _current;
    private bool _wanted;
    private CodeServerState _state = CodeServerState.Stopped;
    private string? _reason;

    public CodeServerSupervisor(
        IOptions<CodeServerOptions> options,
        IOptions<CodeServerRestartOptions> restartOptions,
        CodeServerInstaller installer,
        CodeServerProcessScanner scanner,
        ProcFs procFs,
        DevUserEnvironment environment,
        IHttpClientFactory httpClientFactory,
        IAgentEvents events,
        TimeProvider timeProvider,
        ILogger<CodeServerSupervisor> logger)
    {
        _options = options.Value;
        _advertisedHost = new Lazy<string>(() => CodeServerEndpoint.AdvertisedHost(_options));
        _policy = new RestartPolicy(restartOptions.Value, timeProvider);
        _restarts = new RestartScheduler(timeProvider, RestartAfterBackoffAsync);
        _installer = installer;
        _scanner = scanner;
        _procFs = procFs;
        _environment = environment;
        _httpClientFactory = httpClientFactory;
        _events = events;
        _time = timeProvider;
        _logger = logger;
    }

    private enum ReadyOutcome
    {
        Ready,
        Exited,
        TimedOut,
    }

    /// <summary>How often an adopted code-server (not our child, so no exit status to wait for) is checked in /proc.</summary>
    public TimeSpan AdoptedPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public CodeServerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public string? Reason
    {
        get
        {
            lock (_gate)
            {
                return _reason;
            }
        }
    }

    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                return _current?.Process.Pid;
            }
        }
    }

    /// <summary>How long the current process has run (since it was adopted, for one started outside the agent).</summary>
    public TimeSpan Uptime
    {
        get
        {
            lock (_gate)
            {
                return _current is { } current ? _time.GetUtcNow() - current.StartedAt : TimeSpan.Zero;
            }
        }
    }

    /// <summary>ip:port the gateway forwards the IDE to.</summary>
    public string Endpoint
    {
        get
        {
            lock (_gate)
            {
                return CodeServerEndpoint.Format(_advertisedHost.Value, _current?.Process.Port ?? _options.Port);
            }
        }
    }

    /// <summary>Stops watching (agent shutdown); code-server keeps running and is adopted by the next agent.</summary>
    public void Detach()
    {
        CancelPendingRestart();
        _lifetime.Cancel();
    }

    /// <summary>What an agent stop means for code-server: stopped if so configured, otherwise left serving.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_options.StopOnAgentStop)
        {
            await StopAsync(cancellationToken);
        }

        Detach();
    }

    public void Dispose()
    {
        CancelPendingRestart();
        _lifetime.Cancel();
        _lifetime.Dispose();
        _power.Dispose();
    }

    private void SetState(CodeServerState state, string? reason)
    {
        int? pid;
        string endpoint;
        lock (_gate)
        {
            if (_state == state && _reason == reason)
            {
                return;
            }

            _state = state;
            _reason = reason;
            pid = _current?.Process.Pid;
            endpoint = CodeServerEndpoint.Format(_advertisedHost.Value, _current?.Process.Port ?? _options.Port);
        }

        CodeServerLog.StateChanged(_logger, state, pid, reason);
        _events.Publish((sequence, at) => new CodeServerChanged(sequence, at, state, endpoint, reason));
    }
}
