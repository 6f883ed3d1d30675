using System.Diagnostics;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>Runs a short real command and returns its trimmed stdout; throws with stderr when it fails.</summary>
internal static class ProcessRunner
{
    public static async Task<string> RunAsync(string fileName, params string[] arguments) =>
        await RunAsync(fileName, arguments, environment: null);

    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}: {await error}");
        }

        return (await output).Trim();
    }
}
