using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Consoles;

[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Console_FromStart_HistoryThenLiveOutputOfACommandAtContiguousOffsetsAndAudited()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-owner");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-owner") + "&since=0");

        await console.OutputContainingAsync("Done");
        await console.SendAsync(new { type = "command", data = "say hello console" });
        await console.OutputContainingAsync("[Server] hello console");

        console.AssertContiguousFrom(0);
        Assert.Equal(File.ReadAllText(rig.Run.ConsoleLog)[..console.Text.Length], console.Text);
        using var portal = fixture.CreateClient(TestTokens.For("console-owner"));
        var audit = await portal.GetFromJsonAsync<ConsoleAuditEntry[]>($"/api/servers/{rig.Id}/console/audit", Json.Options);
        var entry = Assert.Single(audit!);
        Assert.Equal(("console-owner", false, "say hello console"), (entry.UserId, entry.IsOperator, entry.Command));
        Assert.Equal(fixture.Clock.GetUtcNow(), entry.At);
    }

    [Fact]
    public async Task Console_ResumedAfterAnAgentRestart_NoGapAndNoDuplicate()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-resume");
        long resumeAt;
        string before;
        using (var first = await rig.OpenAsync(await rig.TicketUrlAsync("console-resume") + "&since=0"))
        {
            await first.SendAsync(new { type = "command", data = "say before restart" });
            await first.OutputContainingAsync("[Server] before restart");
            resumeAt = first.Next;
            before = first.Text;
        }

        await rig.RestartAgentAsync();
        using var second = await rig.OpenAsync(await rig.TicketUrlAsync("console-resume") + "&since=" + resumeAt);
        await second.SendAsync(new { type = "command", data = "say after restart" });
        await second.OutputContainingAsync("[Server] after restart");

        Assert.Equal(resumeAt, second.Output[0].Offset);
        second.AssertContiguousFrom(resumeAt);
        var log = File.ReadAllText(rig.Run.ConsoleLog);
        Assert.Equal(log[..(before.Length + second.Text.Length)], before + second.Text);
    }

    [Fact]
    public async Task Console_SinceOlderThanTheHistory_SaysTruncatedThenSendsWhatIsLeft()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-truncated");
        long seen;
        using (var first = await rig.OpenAsync(await rig.TicketUrlAsync("console-truncated") + "&since=0"))
        {
            await first.OutputContainingAsync("Done");
            seen = first.Next;
        }

        // Two launches' worth of rotation while nobody looked: what the first run wrote is gone.
        File.Move(rig.Run.ConsoleLog, rig.Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(rig.Run.ConsoleLog, "kept\n");
        File.Move(rig.Run.ConsoleLog, rig.Run.PreviousConsoleLog, overwrite: true);
        File.WriteAllText(rig.Run.ConsoleLog, "");
        await rig.RestartAgentAsync();
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-truncated") + "&since=0");

        var truncated = await console.ReadUntilAsync("truncated");
        await console.OutputContainingAsync("kept");

        Assert.True(truncated.GetProperty("offset").GetInt64() >= seen, $"{truncated} after {seen}");
        Assert.Equal([(truncated.GetProperty("offset").GetInt64(), "kept\n")], console.Output);
    }

    [Fact]
    public async Task Command_RefusedForFormSizeAndRate_ErrorFramesSocketStaysOpenAndOnlyAcceptedAreAudited()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-limits");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-limits"));

        await console.SendAsync(new { type = "command", data = "say a\nstop" });
        var crlf = await console.ReadUntilAsync("error");
        await console.SendAsync(new { type = "command", data = "say " + new string('x', ConsoleLimits.CommandBytes - 3) });
        var tooLong = await console.ReadUntilAsync("error");
        for (var i = 0; i < 10; i++)
        {
            await console.SendAsync(new { type = "command", data = "say burst " + i });
        }

        await console.SendAsync(new { type = "command", data = "say eleventh" });
        var rate = await console.ReadUntilAsync("error");

        Assert.Equal("A command must not contain CR or LF.", crlf.GetProperty("message").GetString());
        Assert.Equal("A command is at most 1024 bytes (got 1025).", tooLong.GetProperty("message").GetString());
        Assert.Equal("Too many commands: 10 at once, then one per 1 s.", rate.GetProperty("message").GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, console.Socket.State);
        using var portal = fixture.CreateClient(TestTokens.For("console-limits"));
        var audit = await portal.GetFromJsonAsync<ConsoleAuditEntry[]>($"/api/servers/{rig.Id}/console/audit", Json.Options);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "say burst " + i), audit!.Select(e => e.Command));
        await console.OutputContainingAsync("[Server] burst 9");
        Assert.DoesNotContain("eleventh", console.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("stop", File.ReadAllText(rig.Run.ConsoleLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ticket_ReplayedOtherConsolesOrExpired_RefusedWith401AndTheRightTicketStillWorks()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-tickets");
        await using var other = await ConsoleRig.StartAsync(fixture, "console-tickets");

        var url = await rig.TicketUrlAsync("console-tickets");
        var ticket = url[(url.IndexOf("ticket=", StringComparison.Ordinal) + 7)..];
        var onOtherServer = await rig.RefusedOpenAsync($"/api/servers/{other.Id}/console?ticket={ticket}");
        using (var first = await rig.OpenAsync(url))
        {
            await first.ReadUntilAsync("output");
        }

        var replayed = await rig.RefusedOpenAsync(url);
        var late = await rig.TicketUrlAsync("console-tickets");
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var expired = await rig.RefusedOpenAsync(late);

        Assert.Equal((401, 401, 401), (onOtherServer, replayed, expired));
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(ticket, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TicketAndAudit_AnotherUsersServer_404AndNoTicket()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-victim");
        using var mallory = fixture.CreateClient(TestTokens.For("console-mallory"));

        var ticket = await mallory.PostAsync($"/api/servers/{rig.Id}/console/ticket", null);
        var audit = await mallory.GetAsync($"/api/servers/{rig.Id}/console/audit");

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (ticket.StatusCode, audit.StatusCode));
    }

    [Fact]
    public async Task Console_OnConnect_StateFrameFirstWithTheServersState()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-state");
        using var portal = fixture.CreateClient(TestTokens.For("console-state"));
        var status = await portal.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/servers/{rig.Id}/status", Json.Options);
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-state") + "&since=0");

        await console.OutputContainingAsync("Done");

        Assert.Equal("state", console.Types[0]);
        Assert.Equal([status.GetProperty("state").GetString()!], console.States);
    }

    [Fact]
    public async Task Console_AgentReportsLifecycle_OneStateFramePerChangeInOrder()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-states");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-states"));
        await console.ReadUntilAsync("state");

        await rig.ReportStateAsync(1, GameServerState.Installing);
        await rig.ReportStateAsync(2, GameServerState.Stopped);
        await rig.ReportStateAsync(3, GameServerState.Starting);
        await rig.ReportStateAsync(4, GameServerState.Running);
        await console.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Running");

        Assert.Equal(["Provisioning", "Installing", "Stopped", "Starting", "Running"], console.States);
    }

    [Fact]
    public async Task Console_SeveralStatesInOneAgentReport_AStateFrameForEachStateInOrder()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-states-batched");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-states-batched"));
        await console.ReadUntilAsync("state");

        // An agent that installs and starts between two heartbeats reports it all at once: each event carries the
        // status right after it, so a viewer is told every state the server went through, in order.
        await rig.ReportStatesAsync(1, GameServerState.Installing, GameServerState.Stopped, GameServerState.Starting, GameServerState.Running);
        await console.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Running");
        await rig.ReportStateAsync(5, GameServerState.Stopping);
        await console.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Stopping");

        Assert.Equal(["Provisioning", "Installing", "Stopped", "Starting", "Running", "Stopping"], console.States);
    }

    [Fact]
    public async Task History_SixShortRunsOf300KiBAndASizeRotation_TheLastMiBServedWholeWithoutTruncation()
    {
        const int RunBytes = 300 * 1024;
        const int MiB = 1024 * 1024;
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-history", "true");
        var written = new StringBuilder();
        for (var run = 1; run <= 6; run++)
        {
            var line = $"run {run}: a line of console output\n";
            await rig.RunToExitAsync($"sh -c \"yes 'run {run}: a line of console output' 2>/dev/null | head -c {RunBytes}\"");
            written.Append(string.Concat(Enumerable.Repeat(line, (RunBytes / line.Length) + 1))[..RunBytes]);
            if (run == 4)
            {
                // 1200 KiB: over the smallest limit the agent accepts, so the log is rotated by size as a running server's would be.
                Assert.True(new ZlhGrind.Agent.Processes.ConsoleLogLimit(MiB, TimeSpan.FromSeconds(1)).Apply(rig.Run));
            }
        }

        var end = rig.End;
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-history") + "&since=" + (end - MiB));
        await console.ReadUntilAsync("output", _ => console.Next == end);

        Assert.Equal(6L * RunBytes, end);
        Assert.DoesNotContain("truncated", console.Types);
        AssertContiguousFrom(end - MiB, console);
        Assert.Equal(written.ToString()[^MiB..], console.Text);
        Assert.Equal(4 * RunBytes, new FileInfo(rig.Run.PreviousConsoleLog).Length);
    }

    [Fact]
    public async Task Ticket_TwoSocketsRacingTheSameTicket_ExactlyOneOpensTheOther401()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-race");
        var url = await rig.TicketUrlAsync("console-race");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<(ClientWebSocket Socket, int Status)> TryOpenAsync()
        {
            var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            await go.Task;
            try
            {
                await socket.ConnectAsync(rig.SocketUri(url), CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }

            return (socket, (int)socket.HttpStatusCode);
        }

        var racers = new[] { TryOpenAsync(), TryOpenAsync() };
        go.SetResult();
        var results = await Task.WhenAll(racers);
        using var winner = new ConsoleClient(results.Single(r => r.Status == 101).Socket);
        using var loser = results.Single(r => r.Status != 101).Socket;
        var refused = await rig.RefusedOpenAsync(url);
        await winner.ReadUntilAsync("state");

        Assert.Equal([101, 401], results.Select(r => r.Status).Order());
        Assert.Equal(401, refused);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, winner.Socket.State);
        var ticket = url[(url.IndexOf("ticket=", StringComparison.Ordinal) + 7)..];
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(ticket, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PushOutput_BackOverPushedBytesOrPastTheLargestOffset_RefusedAndWatchersSeeNothingOfIt()
    {
        const long Far = 10_000_000;
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-pushes", "sleep 600");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-pushes"));
        await console.ReadUntilAsync("state");

        await rig.PushAsAgentAsync(new ConsoleChunk(Far, Encoding.UTF8.GetBytes("hostile\n")));
        var back = await Assert.ThrowsAsync<InvalidRequestException>(() => rig.PushAsAgentAsync(new ConsoleChunk(Far, Encoding.UTF8.GetBytes("other\n"))));
        var past = await Assert.ThrowsAsync<InvalidRequestException>(() => rig.PushAsAgentAsync(new ConsoleChunk(ConsoleLimits.MaxOffset - 2, Encoding.UTF8.GetBytes("xyz"))));
        await rig.PushAsAgentAsync(new ConsoleChunk(Far + 8, Encoding.UTF8.GetBytes("after\n")));
        await console.OutputContainingAsync("after");

        Assert.Equal($"A console chunk must start at or after {Far + 8}, where the pushed output ends (got {Far}).", back.Message);
        Assert.Equal($"A console chunk is at most {ConsoleLimits.ChunkBytes} bytes at an offset from 0 to 9007199254740991.", past.Message);
        Assert.Equal([(Far, "hostile\n"), (Far + 8, "after\n")], console.Output);
        Assert.Equal(["state", "truncated", "output", "output"], console.Types);
    }

    [Fact]
    public async Task Read_AgentAnswersBytesBeforeTheOffsetAsked_ErrorFrameAndNoOutput()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-liar", "sleep 600");
        var liar = new LyingConsoleAgent();
        await rig.ConnectAgentAsync(liar);
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-liar") + "&since=100");

        var error = await console.ReadUntilAsync("error");

        Assert.Equal("The console's agent answered a read it was not asked for.", error.GetProperty("message").GetString());
        Assert.Empty(console.Output);
        Assert.Equal([100L], liar.AskedSince);
    }

    [Fact]
    public async Task Output_NotUtf8_ReplacementCharactersAndTheFrameSaysWhereItsBytesEnd()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-bytes", "printf 'ok \\303\\251 \\377 end\\n'");
        await rig.WaitForExitsAsync();
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-bytes") + "&since=0");
        console.CheckAsciiEnds = false;

        var frame = await console.ReadUntilAsync("output");

        Assert.Equal((0L, "ok \u00e9 \uFFFD end\n", 12L), (frame.GetProperty("offset").GetInt64(), frame.GetProperty("data").GetString(), frame.GetProperty("end").GetInt64()));
    }

    private static void AssertContiguousFrom(long start, ConsoleClient console)
    {
        var expected = start;
        foreach (var (offset, data) in console.Output)
        {
            Assert.Equal(expected, offset);
            expected += Encoding.UTF8.GetByteCount(data);
        }
    }

    /// <summary>A hostile agent: every history read answers ten bytes before the offset asked for.</summary>
    private sealed class LyingConsoleAgent : IConsoleAgent
    {
        public List<long?> AskedSince { get; } = [];

        public Task<ConsoleHistory> ReadAsync(long? since, int maxBytes)
        {
            AskedSince.Add(since);
            var from = (since ?? 10) - 10;
            return Task.FromResult(new ConsoleHistory(from, new byte[20], false, from + 20));
        }

        public Task<string?> WriteAsync(byte[] input) => Task.FromResult<string?>(null);

        public Task<string?> ResizeAsync(int columns, int rows) => Task.FromResult<string?>("A game console has no terminal size.");

        public Task StreamAsync(bool on) => Task.CompletedTask;
    }
}
