using System.Net;
using System.Net.Http.Json;
using System.Text;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;

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
}
