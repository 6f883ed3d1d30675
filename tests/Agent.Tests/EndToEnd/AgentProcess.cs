using System.Diagnostics;
using System.Globalization;
using System.Text;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>The real agent, run as <c>dotnet ZlhGrind.Agent.dll</c> in a child process; its output is kept for failure messages.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static AgentProcess Start(long containerId, string credentialFile, string dataRoot, int gatewayPort, IReadOnlyDictionary<string, string>? extra = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.AgentDll);
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Agent:ContainerId"] = containerId.ToString(CultureInfo.InvariantCulture),
            ["Agent:Kind"] = "game",
            ["Agent:CredentialFile"] = credentialFile,
            ["Agent:DataRoot"] = dataRoot,
            ["Agent:Cluster:Gateways:0"] = "127.0.0.1:" + gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Agent:Cluster:ConnectRetryDelay"] = "00:00:00.200",
            ["Agent:Cluster:ConnectRetryMaxDelay"] = "00:00:00.500",
            ["Agent:Cluster:CallTimeout"] = "00:00:03",
            ["Agent:Supervision:Backoff:0"] = "00:00:01",
            ["Agent:Game:ExitPollInterval"] = "00:00:00.100",
        }.Concat(TestTls.Agent().Select(s => KeyValuePair.Create(s.Key, s.Value!))).Concat(extra ?? new Dictionary<string, string>()))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>SIGKILL, as a crash or an OOM kill of the agent would end it; its children are not touched.</summary>
    public async Task KillAsync()
    {
        if (ProcessIdentity.TryRead(_process.Id) is { } identity)
        {
            Signals.Send(identity, Signals.Kill);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops the agent; returns its exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        if (ProcessIdentity.TryRead(_process.Id) is { } identity)
        {
            Signals.Send(identity, Signals.Term);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
