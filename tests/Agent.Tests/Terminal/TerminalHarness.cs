using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Terminal;

namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>The dev workload's services as the agent wires them, a fake clock, and the terminal sessions; every shell left ends on dispose.</summary>
internal sealed class TerminalHarness : IAsyncDisposable
{
    private TerminalHarness(DevHarness dev, FakeTimeProvider time)
    {
        Dev = dev;
        Time = time;
    }

    public DevHarness Dev { get; }

    public FakeTimeProvider Time { get; }

    public TerminalSessions Sessions => Dev.Get<TerminalSessions>();

    public static async Task<TerminalHarness> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        return new TerminalHarness(await DevHarness.StartAsync(time, settings), time);
    }

    public Task<TerminalSession> OpenAsync() => Sessions.OpenAsync(TerminalSize.Default, CancellationToken.None);

    /// <summary>
    /// The login shells this test process started (children running <c>… -l</c>), to show that a refused open started
    /// nothing. The terminal tests share one collection, so no other test starts one meanwhile.
    /// </summary>
    public static int[] LoginShellPids() =>
        [.. Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, System.Globalization.CultureInfo.InvariantCulture))
            .Where(pid => ProcStat.TryRead(pid) is { ParentPid: var parent } && parent == Environment.ProcessId && ReadCommandLine(pid).EndsWith("\0-l\0", StringComparison.Ordinal))
            .Order()];

    private static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return string.Empty; // gone meanwhile
        }
    }

    public async ValueTask DisposeAsync() => await Dev.DisposeAsync();
}
