using System.Text;
using System.Text.RegularExpressions;
using ZlhGrind.Agent.Terminal;

namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>A real login shell in a real pseudo-terminal, driven the way the browser's terminal drives it.</summary>
[Collection(TerminalShellCollection.Name)]
public sealed class TerminalSessionTests
{
    private const int Scrollback = 256 * 1024;

    [Fact]
    public async Task OpenAsync_LoginShell_HasTermAndControllingTerminal()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        using var probe = TerminalProbe.Attach(session);

        var term = await probe.EvaluateAsync(session, "TERM", "$TERM");
        var tty = await probe.EvaluateAsync(session, "TTY", "$(tty)");
        var shellPid = await probe.EvaluateAsync(session, "PID", "$$");
        var stat = await File.ReadAllTextAsync($"/proc/{session.Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        Assert.Equal("xterm-256color", term);
        Assert.Matches(@"^/dev/pts/\d+$", tty);
        // The shell is the pid the agent spawned (setpriv and env exec in place), leads its own session and group, and has the pty as controlling terminal.
        Assert.Equal(session.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), shellPid);
        Assert.Equal((session.Pid, session.Pid), (int.Parse(fields[2]), int.Parse(fields[3])));
        Assert.NotEqual("0", fields[4]);
        Assert.Equal("/bin/bash\0-l\0", await File.ReadAllTextAsync($"/proc/{session.Pid}/cmdline"));
        Assert.Empty(probe.Discontinuities);

        // Nothing of the agent's own environment reaches the shell.
        var environment = (await File.ReadAllTextAsync($"/proc/{session.Pid}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["HOME", "LANG", "LOGNAME", "PATH", "SHELL", "TERM", "USER"], environment.Select(entry => entry[..entry.IndexOf('=', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_ShellExits_SessionEndsAndIsForgotten()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();

        await TerminalProbe.TypeAsync(session, "exit 3");
        var status = await session.Exited.WaitAsync(Wait.Patience);

        Assert.Equal(3, status >> 8);
        Assert.True(session.IsEnding);
        Assert.False(Directory.Exists($"/proc/{session.Pid}"));
        Assert.Throws<TerminalSessionNotFoundException>(() => harness.Sessions.Get(session.Id));
    }

    [Fact]
    public async Task Resize_NewSize_SttySeesIt()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        using var probe = TerminalProbe.Attach(session);

        var before = await probe.EvaluateAsync(session, "SIZE1", "$(stty size)");
        session.Resize(new TerminalSize(132, 43));
        var after = await probe.EvaluateAsync(session, "SIZE2", "$(stty size)");

        Assert.Equal(("24 80", "43 132"), (before, after));
    }

    [Theory]
    [InlineData(0, 24, "columns", 0)]
    [InlineData(1001, 24, "columns", 1001)]
    [InlineData(80, 0, "rows", 0)]
    [InlineData(80, -1, "rows", -1)]
    public void TerminalSize_OutOfRange_Refused(int columns, int rows, string name, int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TerminalSize(columns, rows));

        Assert.Equal((name, (object)value), (error.ParamName, error.ActualValue));
        Assert.StartsWith($"a terminal's {name} must be between 1 and 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_ReattachWithinLifetime_SameShellNoGapNoDuplicate()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        var first = TerminalProbe.Attach(session);
        var pid = await first.EvaluateAsync(session, "PID1", "$$");
        first.Dispose();
        var detachedAt = first.Next;

        // Detached for 4 minutes, and the shell writes while nobody watches.
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        await TerminalProbe.TypeAsync(session, "echo \"WHILE<<$((6*7))>>\"");
        using var second = TerminalProbe.Attach(session, since: detachedAt);
        var whileDetached = (await second.WaitForAsync(TerminalProbe.Answer("WHILE"))).Groups[1].Value;
        var pidAgain = await second.EvaluateAsync(session, "PID2", "$$");

        // Attached sessions never end, however long.
        harness.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.False(session.IsEnding);
        Assert.Equal("42", whileDetached);
        Assert.Equal(pid, pidAgain);
        Assert.Equal(detachedAt, second.First);
        Assert.False(second.Attachment.Truncated);
        Assert.Empty(first.Discontinuities);
        Assert.Empty(second.Discontinuities);
        Assert.Same(session, harness.Sessions.Get(session.Id));
    }

    [Fact]
    public async Task DetachedTimer_FiveMinutesUnattached_ShellEnded()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        using (var probe = TerminalProbe.Attach(session))
        {
            await probe.EvaluateAsync(session, "UP", "$((1+1))");
        }

        harness.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var endingEarly = session.IsEnding;
        var aliveEarly = Directory.Exists($"/proc/{session.Pid}");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var status = await session.Exited.WaitAsync(Wait.Patience);

        Assert.Equal((false, true), (endingEarly, aliveEarly));
        Assert.True(session.IsEnding);
        Assert.Equal(1, status & 0x7F); // ended by SIGHUP
        Assert.False(Directory.Exists($"/proc/{session.Pid}"));
        var error = Assert.Throws<TerminalSessionNotFoundException>(() => harness.Sessions.Get(session.Id));
        Assert.Equal("no such terminal session", error.Message);
        await Assert.ThrowsAsync<TerminalSessionEndedException>(async () => await TerminalProbe.TypeAsync(session, "echo late"));
        Assert.Throws<TerminalSessionEndedException>(() => session.Resize(TerminalSize.Default));
    }

    [Fact]
    public async Task DetachedTimer_ShellIgnoresHangup_ProcessGroupKilledAfterEndTimeout()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        string trap;
        using (var probe = TerminalProbe.Attach(session))
        {
            // A user who wants the shell to outlive the agent's end of it.
            await TerminalProbe.TypeAsync(session, "trap '' HUP");
            trap = await probe.EvaluateAsync(session, "TRAP", "$(trap -p HUP)");
        }

        harness.Time.Advance(TimeSpan.FromMinutes(5));
        string survivor;
        using (var late = TerminalProbe.Attach(session))
        {
            survivor = await late.EvaluateAsync(session, "ALIVE", "$$");
        }

        harness.Time.Advance(TimeSpan.FromSeconds(5));
        var status = await session.Exited.WaitAsync(Wait.Patience);

        Assert.Equal("trap -- '' SIGHUP", trap);
        Assert.Equal(session.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), survivor);
        Assert.True(session.IsEnding);
        Assert.Equal(9, status & 0x7F); // SIGKILL
        Assert.False(Directory.Exists($"/proc/{session.Pid}"));
    }

    [Fact]
    public async Task Attach_ReplayHoldsCursorQuery_ClientReplyNotForwardedToShell()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        var first = TerminalProbe.Attach(session);
        await TerminalProbe.TypeAsync(session, "printf 'Q\\033[6nQ\\n'");
        await first.WaitForAsync("Q\u001b[6nQ");
        await TerminalProbe.TypeAsync(session, "echo \"READY<<$((1+1))>>\"; IFS= read -r x; echo \"GOT<<$x>>\"; IFS= read -r y; echo \"AGAIN<<$y>>\"");
        await first.WaitForAsync(TerminalProbe.Answer("READY"));
        first.Dispose();

        // The reattaching client's emulator answers the replayed ESC[6n, then the user types.
        using var second = TerminalProbe.Attach(session, since: 0);
        await session.WriteAsync("\u001b[12;5R"u8.ToArray(), CancellationToken.None);
        await TerminalProbe.TypeAsync(session, "hello");
        var got = (await second.WaitForAsync(TerminalProbe.Answer("GOT"))).Groups[1].Value;

        // Only as many replies as the replay held queries are dropped: the next one reaches the shell.
        await session.WriteAsync("\u001b[3;3R"u8.ToArray(), CancellationToken.None);
        await TerminalProbe.TypeAsync(session, "x");
        var again = (await second.WaitForAsync(TerminalProbe.Answer("AGAIN"))).Groups[1].Value;

        Assert.Equal("hello", got);
        Assert.Equal("\u001b[3;3Rx", again);
        Assert.Equal(0, second.Attachment.History.Offset);
    }

    [Fact]
    public async Task Attach_MoreOutputThanScrollback_HistoryBoundedAndTruncated()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        using var probe = TerminalProbe.Attach(session);
        await TerminalProbe.TypeAsync(session, "head -c 300000 /dev/zero | tr '\\0' x; echo \"DONE<<$((1+1))>>\"");
        await probe.WaitForAsync(TerminalProbe.Answer("DONE"));

        using var fromStart = TerminalProbe.Attach(session, since: 0);
        using var recent = TerminalProbe.Attach(session, since: null, maxHistoryBytes: 1000);
        var history = fromStart.Attachment.History;

        Assert.True(fromStart.Attachment.Truncated);
        Assert.Equal(Scrollback, history.Data.Length);
        Assert.True(history.Offset > 300000 - Scrollback);
        Assert.Contains("DONE<<2>>", Encoding.UTF8.GetString(history.Data.Span), StringComparison.Ordinal);
        Assert.False(recent.Attachment.Truncated);
        Assert.Equal(1000, recent.Attachment.History.Data.Length);
        Assert.Empty(probe.Discontinuities);
    }

    [Fact]
    public async Task Attach_OffsetBeyondEnd_Refused()
    {
        await using var harness = await TerminalHarness.StartAsync();
        var session = await harness.OpenAsync();
        var end = session.End;

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => session.Attach(end + 1_000_000, 1024, _ => { }));

        Assert.Equal(("since", (object)(end + 1_000_000)), (error.ParamName, error.ActualValue));
        Assert.Equal(0, session.Attachments);
    }

    [Fact]
    public async Task OpenAsync_AtMaxSessions_RefusedAndNothingStarted()
    {
        await using var harness = await TerminalHarness.StartAsync(new() { ["Agent:Terminal:MaxSessions"] = "1" });
        var session = await harness.OpenAsync();
        var children = TerminalHarness.LoginShellPids();

        var error = await Assert.ThrowsAsync<TerminalLimitException>(harness.OpenAsync);

        Assert.Equal("at most 1 terminal sessions may be open at once", error.Message);
        Assert.Equal(children, TerminalHarness.LoginShellPids());
        Assert.Equal(1, harness.Sessions.Count);
        Assert.Contains(session.Pid, children);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("../../etc/passwd")]
    public async Task Get_UnknownId_NotFound(string id)
    {
        await using var harness = await TerminalHarness.StartAsync();
        await harness.OpenAsync();

        var error = Assert.Throws<TerminalSessionNotFoundException>(() => harness.Sessions.Get(id));

        Assert.Equal("no such terminal session", error.Message);
    }

    [Fact]
    public async Task WriteAsync_OverMaxInputBytes_RefusedNothingWritten()
    {
        await using var harness = await TerminalHarness.StartAsync(new() { ["Agent:Terminal:MaxInputBytes"] = "24" });
        var session = await harness.OpenAsync();
        using var probe = TerminalProbe.Attach(session);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await session.WriteAsync(Encoding.UTF8.GetBytes("echo REFUSED; echo padding\r"), CancellationToken.None));
        var next = await probe.EvaluateAsync(session, "N", "$((2+3))");

        Assert.Equal(("input", (object)27), (error.ParamName, error.ActualValue));
        Assert.StartsWith("terminal input is limited to 24 bytes per write", error.Message, StringComparison.Ordinal);
        Assert.Equal("5", next);
        Assert.DoesNotContain("REFUSED", probe.Text, StringComparison.Ordinal);
    }
}
