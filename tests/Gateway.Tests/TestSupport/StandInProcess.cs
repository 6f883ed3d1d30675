using System.Diagnostics;
using ZlhGrind.Tools.StandInIde;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>The stand-in IDE from this test run's build output, as its own process on a loopback port.</summary>
internal sealed class StandInProcess : IAsyncDisposable
{
    private readonly Process _process;

    private StandInProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public static async Task<StandInProcess> StartAsync(CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var start = new ProcessStartInfo(StandInIdePackage.FindDotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StandInIde.dll"));
        start.ArgumentList.Add("--bind-addr");
        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("--auth");
        start.ArgumentList.Add("none");
        var process = Process.Start(start) ?? throw new InvalidOperationException("the stand-in IDE did not start");
        var ide = new StandInProcess(process, $"127.0.0.1:{port}");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            if (line.Data.StartsWith("HTTP server listening on ", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(cancellationToken);
        return ide;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
