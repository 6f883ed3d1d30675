using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Workloads;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.DevContainers;

using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>
/// Runs code-server as the dev user on the IDE port: start, stop and restart serialized behind one lock;
/// restarted with the crash backoff when it dies unasked; when one already listens on the configured port as the dev
/// user from this agent's install (left by an earlier agent, or started by hand) it is adopted instead of started twice
/// (<see cref="CodeServerProcessScanner"/>). Every state change is published.
/// </summary>
internal sealed class CodeServerSupervisor : IDisposable
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
    private readonly SemaphoreSlim _commands = new(1, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly string? _setsid = SetsidCandidates.FirstOrDefault(File.Exists);

    // Looked up once: listing the network interfaces on every heartbeat would be wasteful, and a container keeps its address.
    private readonly Lazy<string> _advertisedHost;

    private Instance? _current;
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

    /// <summary>At agent start: takes over this agent's code-server when it is already running, whoever started it.</summary>
    public async Task<bool> AdoptAsync(CancellationToken cancellationToken)
    {
        await _commands.WaitAsync(cancellationToken);
        try
        {
            var adopted = TryAdopt();
            if (adopted)
            {
                lock (_gate)
                {
                    _wanted = true;
                }
            }

            return adopted;
        }
        finally
        {
            _commands.Release();
        }
    }

    /// <summary>Makes code-server run (a user start also forgives earlier crashes); returns once it answers or failed.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _commands.WaitAsync(cancellationToken);
        try
        {
            CancelPendingRestart();
            lock (_gate)
            {
                _wanted = true;
                _policy.Reset();
            }

            if (_current is not null || TryAdopt())
            {
                return;
            }

            await LaunchAsync(cancellationToken);
        }
        finally
        {
            _commands.Release();
        }
    }

    /// <summary>Stops code-server (also one started outside the agent) and keeps it stopped.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _commands.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync("stopped on request", cancellationToken);
        }
        finally
        {
            _commands.Release();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _commands.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync("restarting on request", cancellationToken);
            lock (_gate)
            {
                _wanted = true;
                _policy.Reset();
            }

            await LaunchAsync(cancellationToken);
        }
        finally
        {
            _commands.Release();
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
        _commands.Dispose();
    }

    private bool TryAdopt()
    {
        if (_current is not null)
        {
            return true;
        }

        if (_scanner.Find() is not { } found)
        {
            return false;
        }

        var instance = new Instance(found, null, _time.GetUtcNow());
        lock (_gate)
        {
            _current = instance;
            _policy.OnStarted();
        }

        CodeServerLog.Adopted(_logger, found.Pid, found.Port ?? _options.Port);
        _ = MonitorAdoptedAsync(instance);
        SetState(CodeServerState.Running, string.Create(CultureInfo.InvariantCulture, $"found running as pid {found.Pid}"));
        return true;
    }

    private async Task StopCoreAsync(string reason, CancellationToken cancellationToken)
    {
        CancelPendingRestart();
        lock (_gate)
        {
            _wanted = false;
        }

        if (_current is not null || TryAdopt())
        {
            await TerminateAsync(_current!, cancellationToken);
        }

        SetState(CodeServerState.Stopped, reason);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var port = _options.Port;

        // Only called when nothing of ours runs: whatever holds the port is someone else's (another stack's IDE,
        // another user's server). It is left alone, and a start that could only fail to bind is not made.
        if (_scanner.PortHolders() is [var holder, ..])
        {
            lock (_gate)
            {
                _wanted = false;
            }

            SetState(
                CodeServerState.Failed,
                string.Create(CultureInfo.InvariantCulture, $"port {port} is already in use by pid {holder}, which is not this agent's code-server; not starting"));
            return;
        }

        // code-server takes the folder to open as its last, positional argument (`code-server [options] <path>`);
        // its working directory alone leaves the IDE on the Welcome page with no folder.
        List<string> arguments =
        [
            _installer.Launcher,
            "--bind-addr", $"{BindArgument()}:{port.ToString(CultureInfo.InvariantCulture)}",
            "--auth", _options.Auth,
            .. _options.ExtraArguments,
            _environment.User.Workspace,
        ];

        // Under setsid the server leads its own process group, so a stop reaches its helper processes too.
        var start = _setsid is not null
            ? _environment.CreateStartInfo(_setsid, arguments)
            : _environment.CreateStartInfo(arguments[0], arguments.Skip(1));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        SetState(CodeServerState.Starting, string.Create(CultureInfo.InvariantCulture, $"starting on port {port}"));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("code-server did not start");
        }
        catch (Win32Exception ex)
        {
            lock (_gate)
            {
                _wanted = false;
            }

            SetState(CodeServerState.Failed, $"could not start {_installer.Launcher}: {ex.Message}");
            return;
        }

        process.StandardInput.Close();
        var startTicks = _procFs.Read(process.Id)?.StartTicks ?? 0;
        var instance = new Instance(
            new CodeServerProcess(process.Id, startTicks, _setsid is not null ? process.Id : 0, port),
            process,
            _time.GetUtcNow());
        lock (_gate)
        {
            _current = instance;
            _policy.OnStarted();
        }

        _ = PumpAsync(process.StandardOutput, instance);
        _ = PumpAsync(process.StandardError, instance);
        _ = MonitorChildAsync(instance);

        switch (await WaitReadyAsync(instance, cancellationToken))
        {
            case ReadyOutcome.Ready:
                SetState(CodeServerState.Running, $"answering on {Endpoint}");
                break;
            case ReadyOutcome.TimedOut:
                // Treated as a crash: the exit it causes goes through the backoff like any other.
                instance.LastLine = $"did not answer on port {port} within {_options.StartTimeout}";
                Signal(instance, Signals.Kill);
                break;
            case ReadyOutcome.Exited:
                // The exit handler reports it and schedules the restart.
                break;
        }
    }

    private async Task<ReadyOutcome> WaitReadyAsync(Instance instance, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            var timeout = Task.Delay(_options.StartTimeout, _time, waiting.Token);
            var listening = (Task)instance.Listening.Task;
            while (true)
            {
                if (instance.Exited.Task.IsCompleted)
                {
                    return ReadyOutcome.Exited;
                }

                if (await AnswersAsync(instance.Process.Port ?? _options.Port, waiting.Token))
                {
                    return ReadyOutcome.Ready;
                }

                // Woken by the probe interval, or at once by code-server saying it listens.
                var tick = Task.Delay(_options.ReadyProbeInterval, _time, waiting.Token);
                var done = await Task.WhenAny(tick, listening, instance.Exited.Task, timeout);
                waiting.Token.ThrowIfCancellationRequested();
                if (done == listening)
                {
                    listening = Task.Delay(Timeout.Infinite, waiting.Token);
                }
                else if (done == instance.Exited.Task)
                {
                    return ReadyOutcome.Exited;
                }
                else if (done == timeout)
                {
                    return ReadyOutcome.TimedOut;
                }
            }
        }
        finally
        {
            await waiting.CancelAsync();
        }
    }

    private async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        var probe = CodeServerEndpoint.Probe(_options);
        var host = probe.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{probe}]" : probe.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}/healthz")));
        try
        {
            // Any HTTP answer counts: it proves the server accepts requests on the port.
            using var response = await _httpClientFactory.CreateClient(ProbeClientName).SendAsync(request, cancellationToken);
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private string BindArgument() =>
        System.Net.IPAddress.Parse(_options.BindAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{_options.BindAddress}]"
            : _options.BindAddress;

    private async Task PumpAsync(StreamReader reader, Instance instance)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                CodeServerLog.Output(_logger, line);
                instance.LastLine = line;
                if (line.Contains("listening on", StringComparison.OrdinalIgnoreCase))
                {
                    instance.Listening.TrySetResult();
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process; its exit is handled by the monitor.
        }
        catch (ObjectDisposedException)
        {
            // As above.
        }
    }

    private async Task MonitorChildAsync(Instance instance)
    {
        try
        {
            await instance.Child!.WaitForExitAsync(_lifetime.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        OnExited(instance, instance.Child.ExitCode);
    }

    private async Task MonitorAdoptedAsync(Instance instance)
    {
        // Not our child: no exit status to wait for, so /proc is watched (a zombie counts as gone).
        try
        {
            while (_procFs.IsAlive(instance.Process.Pid, instance.Process.StartTicks))
            {
                await Task.Delay(AdoptedPollInterval, _time, _lifetime.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        OnExited(instance, null);
    }

    private void OnExited(Instance instance, int? exitCode)
    {
        instance.Exited.TrySetResult();
        RestartDecision decision;
        lock (_gate)
        {
            if (!ReferenceEquals(_current, instance))
            {
                return;
            }

            _current = null;
            if (instance.Stopping || !_wanted)
            {
                return;
            }

            decision = _policy.OnCrashed();
            if (decision.GiveUp)
            {
                _wanted = false;
            }
            else
            {
                // The timer exists before the state is published, so whoever reacts to the event can move the clock.
                _restarts.Arm(decision.Delay);
            }
        }

        var how = exitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $"exited with code {code}") : "exited";
        var detail = instance.LastLine is { Length: > 0 } last ? $" ({last})" : string.Empty;
        var uptime = decision.Uptime.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        if (decision.GiveUp)
        {
            SetState(
                CodeServerState.Failed,
                string.Create(CultureInfo.InvariantCulture, $"{how} after {uptime}s{detail}; {decision.ConsecutiveCrashes} crashes in a row, not restarting until started again"));
            return;
        }

        SetState(
            CodeServerState.Failed,
            string.Create(CultureInfo.InvariantCulture, $"{how} after {uptime}s{detail}; restarting in {decision.Delay.TotalSeconds:0.#}s (crash {decision.ConsecutiveCrashes})"));
    }

    private async Task RestartAfterBackoffAsync(long epoch)
    {
        try
        {
            await _commands.WaitAsync(_lifetime.Token);
            try
            {
                lock (_gate)
                {
                    if (!_wanted || _current is not null || !_restarts.TryClaim(epoch))
                    {
                        return;
                    }
                }

                await LaunchAsync(_lifetime.Token);
            }
            finally
            {
                _commands.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Agent shutdown; a stop or a user start disarms the timer instead.
        }
    }

    private void CancelPendingRestart()
    {
        lock (_gate)
        {
            _restarts.Disarm(keepDeadline: false);
        }
    }

    private static void Signal(Instance instance, int signal) =>
        Signals.SendToGroup(instance.Process.Pid, instance.Process.ProcessGroup, signal);

    private async Task TerminateAsync(Instance instance, CancellationToken cancellationToken)
    {
        instance.Stopping = true;
        Signal(instance, Signals.Term);
        var grace = Task.Delay(_options.StopTimeout, _time, cancellationToken);
        if (await Task.WhenAny(instance.Exited.Task, grace) != instance.Exited.Task)
        {
            Signal(instance, Signals.Kill);
            instance.Child?.Kill(entireProcessTree: true);
            try
            {
                await instance.Exited.Task.WaitAsync(_options.StopTimeout, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // SIGKILL cannot be refused; only an unwatched (detached) process is never reported as exited.
                CodeServerLog.ExitNotSeen(_logger, instance.Process.Pid);
            }
        }

        lock (_gate)
        {
            if (ReferenceEquals(_current, instance))
            {
                _current = null;
            }
        }
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

    private sealed class Instance(CodeServerProcess process, Process? child, DateTimeOffset startedAt)
    {
        public CodeServerProcess Process { get; } = process;

        public Process? Child { get; } = child;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Stopping;

        public string? LastLine { get; set; }
    }
}
