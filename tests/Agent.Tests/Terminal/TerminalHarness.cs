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

    private readonly List<TerminalSession> _opened = [];

    public DevHarness Dev { get; }

    public FakeTimeProvider Time { get; }

    public TerminalSessions Sessions => Dev.Get<TerminalSessions>();

    public static async Task<TerminalHarness> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        return new TerminalHarness(await DevHarness.StartAsync(time, settings), time);
    }

    public async Task<TerminalSession> OpenAsync()
    {
        var session = await Sessions.OpenAsync(TerminalSize.Default, CancellationToken.None);
        _opened.Add(session);
        return session;
    }

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

    /// <summary>
    /// Ends every shell the test opened — SIGHUP, then the fake clock moved past EndTimeout for the SIGKILL — and waits a
    /// bounded time for each, so a shell a failed test left ignoring SIGHUP fails the test instead of hanging it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var session in _opened)
        {
            session.Terminate("the test is over");
        }

        Time.Advance(new TerminalOptions().EndTimeout);
        try
        {
            foreach (var session in _opened)
            {
                await session.Exited.WaitAsync(Wait.Patience);
            }
        }
        finally
        {
            await Dev.DisposeAsync();
        }
    }
}
