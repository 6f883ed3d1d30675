using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Launching code-server as the dev user and waiting until it answers on its port.</summary>
internal sealed partial class CodeServerSupervisor
{
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
        // its working directory alone leaves the IDE on the Welcome page with no folder. Without
        // --ignore-last-opened, code-server 4.x prefers the folder it last opened (kept in the dev user's home) over
        // that argument, so one "Open Folder…" would decide where every later session opens.
        List<string> arguments =
        [
            _installer.Launcher,
            "--bind-addr", $"{BindArgument()}:{port.ToString(CultureInfo.InvariantCulture)}",
            "--auth", _options.Auth,
            "--ignore-last-opened",
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
        var instance = new CodeServerInstance(
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

    private async Task<ReadyOutcome> WaitReadyAsync(CodeServerInstance instance, CancellationToken cancellationToken)
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
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The probe client's own timeout: a server still starting (or a loaded machine) has not answered yet.
            return false;
        }
    }

    private string BindArgument() =>
        System.Net.IPAddress.Parse(_options.BindAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{_options.BindAddress}]"
            : _options.BindAddress;

    private async Task PumpAsync(StreamReader reader, CodeServerInstance instance)
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
}
