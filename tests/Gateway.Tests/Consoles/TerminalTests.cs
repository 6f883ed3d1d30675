using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Gateway.Tests.Consoles;

[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class TerminalTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Terminal_InputAndResize_TheLoginShellAnswersAsTheDevUserAtTheNewSize()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-owner");
        var (terminal, session) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-owner"));
        using var _ = terminal;

        await terminal.SendAsync(new { type = "resize", cols = 123, rows = 45 });
        await terminal.SendAsync(new { type = "input", data = "echo $USER:$((6*7)); stty size\r" });
        await terminal.OutputContainingAsync("45 123\r\n");

        Assert.True(ConsoleLimits.IsSessionId(session), session);
        Assert.Contains(Environment.UserName + ":42\r\n45 123\r\n", terminal.Text, StringComparison.Ordinal);
        Assert.Equal(1, rig.Sessions.Count);
    }

    [Fact]
    public async Task Terminal_ReattachWithSessionAndSince_SameShellNoGapNoDuplicate()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-reattach");
        string session;
        string pid;
        long resumeAt;
        var (first, opened) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-reattach"));
        using (first)
        {
            await first.SendAsync(new { type = "input", data = "echo pid=$$\r" });
            await first.ReadUntilAsync("output", _ => PidPattern().IsMatch(first.Text));
            pid = PidPattern().Match(first.Text).Groups[1].Value;
            resumeAt = first.Next;
            session = opened;
        }

        var (second, resumed) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-reattach") + $"&session={session}&since={resumeAt}");
        using var __ = second;
        await second.SendAsync(new { type = "input", data = "echo again=$$\r" });
        await second.OutputContainingAsync($"again={pid}\r\n");

        Assert.Equal(session, resumed);
        Assert.Equal(resumeAt, second.Output[0].Offset);
        second.AssertContiguousFrom(resumeAt);
        Assert.Equal(1, rig.Sessions.Count);
    }

    [Fact]
    public async Task Terminal_UnknownSession_NewShellAndItsIdFromOffsetZero()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-unknown");

        var (terminal, session) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-unknown") + "&session=" + new string('0', 32) + "&since=999999");
        using var _ = terminal;
        await terminal.SendAsync(new { type = "input", data = "echo fresh=$((1+2))\r" });
        await terminal.OutputContainingAsync("fresh=3\r\n");

        Assert.NotEqual(new string('0', 32), session);
        Assert.Equal(0, terminal.Output[0].Offset);
        terminal.AssertContiguousFrom(0);
    }

    [Fact]
    public async Task Terminal_OversizeInputBadResizeAndConsoleFrames_ErrorFramesNothingWrittenSocketStaysOpen()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-limits");
        var (terminal, _) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-limits"));
        using var __ = terminal;

        await terminal.SendAsync(new { type = "input", data = new string('y', ConsoleLimits.InputBytes + 1) });
        var oversize = await terminal.ReadUntilAsync("error");
        await terminal.SendAsync(new { type = "resize", cols = 0, rows = 24 });
        var tooSmall = await terminal.ReadUntilAsync("error");
        await terminal.SendAsync(new { type = "resize", cols = 80, rows = ConsoleLimits.MaxTerminalCells + 1 });
        var tooTall = await terminal.ReadUntilAsync("error");
        await terminal.SendAsync(new { type = "command", data = "echo no" });
        var command = await terminal.ReadUntilAsync("error");
        await terminal.SendAsync(new { type = "input", data = "stty size\r" });
        await terminal.OutputContainingAsync("24 80\r\n");

        Assert.Equal("Terminal input is at most 4096 bytes per frame (got 4097).", oversize.GetProperty("message").GetString());
        Assert.Equal("A terminal is 1 to 1000 columns and rows (got 0x24).", tooSmall.GetProperty("message").GetString());
        Assert.Equal("A terminal is 1 to 1000 columns and rows (got 80x1001).", tooTall.GetProperty("message").GetString());
        Assert.Equal(
            "A frame is {\"type\":\"input\",\"data\":\"...\"}, {\"type\":\"resize\",\"cols\":C,\"rows\":R} or {\"type\":\"auth\",\"ticket\":\"...\"}.",
            command.GetProperty("message").GetString());
        Assert.DoesNotContain("yyyy", terminal.Text, StringComparison.Ordinal);
        Assert.Equal(WebSocketState.Open, terminal.Socket.State);
    }

    [Fact]
    public async Task Ticket_AnotherUsersContainerReplayedExpiredOrOtherContainers_Refused()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-tickets");
        await using var other = await TerminalRig.StartAsync(fixture, "terminal-tickets");
        using var mallory = fixture.CreateClient(TestTokens.For("terminal-mallory"));

        var stolen = await mallory.PostAsync($"/api/dev/{rig.Id}/terminal/ticket", null);
        var url = await rig.TicketUrlAsync("terminal-tickets");
        var ticket = url[(url.IndexOf("ticket=", StringComparison.Ordinal) + 7)..];
        var onOther = await rig.RefusedOpenAsync($"/api/dev/{other.Id}/terminal?ticket={ticket}");
        using ((await rig.OpenAsync(url)).Client)
        {
        }

        var replayed = await rig.RefusedOpenAsync(url);
        var late = await rig.TicketUrlAsync("terminal-tickets");
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var expired = await rig.RefusedOpenAsync(late);
        var badSession = await rig.RefusedOpenAsync(await rig.TicketUrlAsync("terminal-tickets") + "&session=../x");

        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.Equal((401, 401, 401, 400), (onOther, replayed, expired, badSession));
        Assert.Equal((1, 0), (rig.Sessions.Count, other.Sessions.Count));
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(ticket, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Terminal_NoAgentConnected_ErrorFrameAndClose1008()
    {
        using var portal = fixture.CreateClient(TestTokens.For("terminal-no-agent"));
        var created = await portal.PostAsJsonAsync("/api/dev", new { runtime = "node", enableCodeServer = false });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ZlhGrind.Grains.Containers.ProvisionResult>(Json.Options))!.ContainerId;
        var ticket = await (await portal.PostAsync($"/api/dev/{id}/terminal/ticket", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ZlhGrind.Gateway.Consoles.ConsoleTicketResponse>(Json.Options);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(fixture.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + ticket!.Url.TrimStart('/')), CancellationToken.None);
        using var terminal = new ConsoleClient(socket);

        var error = await terminal.ReadUntilAsync("error");
        await terminal.ReadUntilAsync("closed");

        Assert.Equal("The dev container's agent is not connected.", error.GetProperty("message").GetString());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "The dev container's agent is not connected."), (socket.CloseStatus, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task Terminal_ContainerDeleted_PushedErrorFrameAndClose1008()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-deleted");
        var (terminal, _) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-deleted"));
        using var __ = terminal;
        using var portal = fixture.CreateClient(TestTokens.For("terminal-deleted"));

        (await portal.DeleteAsync($"/api/dev/{rig.Id}")).EnsureSuccessStatusCode();
        var error = await terminal.ReadUntilAsync("error");
        var closed = await terminal.ReadUntilAsync("closed");

        Assert.Equal("The container was deleted.", error.GetProperty("message").GetString());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "The container was deleted."), (terminal.Socket.CloseStatus, terminal.Socket.CloseStatusDescription));
        Assert.Equal(HttpStatusCode.NotFound, (await portal.PostAsync($"/api/dev/{rig.Id}/terminal/ticket", null)).StatusCode);
    }

    [Fact]
    public async Task Terminal_SessionsRevoked_PushedErrorFrameClose1008AndEarlierTicketsDead()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-revoked");
        var (terminal, session) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-revoked"));
        using var __ = terminal;
        var minted = await rig.TicketUrlAsync("terminal-revoked");
        using var portal = fixture.CreateClient(TestTokens.For("terminal-revoked"));

        (await portal.DeleteAsync($"/api/dev/{rig.Id}/ide-sessions")).EnsureSuccessStatusCode();
        var error = await terminal.ReadUntilAsync("error");
        await terminal.ReadUntilAsync("closed");
        var stale = await rig.RefusedOpenAsync(minted);
        var (again, resumed) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-revoked") + "&session=" + session);
        again.Dispose();

        Assert.Equal("The container's sessions were revoked.", error.GetProperty("message").GetString());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, terminal.Socket.CloseStatus);
        Assert.Equal((401, session), (stale, resumed));
    }

    [Fact]
    public async Task Console_ServerDeleted_PushedErrorFrameAndClose1008()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-deleted");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-deleted") + "&since=0");
        await console.OutputContainingAsync("Done");
        using var portal = fixture.CreateClient(TestTokens.For("console-deleted"));

        (await portal.DeleteAsync($"/api/servers/{rig.Id}")).EnsureSuccessStatusCode();
        var error = await console.ReadUntilAsync("error");
        await console.ReadUntilAsync("closed");

        Assert.Equal("The container was deleted.", error.GetProperty("message").GetString());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "The container was deleted."), (console.Socket.CloseStatus, console.Socket.CloseStatusDescription));
    }

    [Fact]
    public async Task Reauth_NotRenewed_ReauthFrameThenClosedAtTheSessionsEnd()
    {
        await using var own = await OwnGatewayTerminalAsync("terminal-reauth");
        var (clock, terminal) = (own.Clock, own.Terminal);
        var expiresAt = TokenExpiry();

        clock.Advance(expiresAt - clock.GetUtcNow() - TimeSpan.FromSeconds(59));
        var reauth = await terminal.ReadUntilAsync("reauth");
        clock.Advance(TimeSpan.FromSeconds(60));
        await terminal.ReadUntilAsync("closed");

        Assert.Equal("{\"type\":\"reauth\"}", reauth.GetRawText());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "The session expired; open the console again."), (terminal.Socket.CloseStatus, terminal.Socket.CloseStatusDescription));
    }

    [Fact]
    public async Task Reauth_RenewedWithAFreshTicket_StaysOpenPastTheOldEnd()
    {
        await using var own = await OwnGatewayTerminalAsync("terminal-renew");
        var (clock, terminal) = (own.Clock, own.Terminal);
        var expiresAt = TokenExpiry();

        clock.Advance(expiresAt - clock.GetUtcNow() - TimeSpan.FromSeconds(59));
        await terminal.ReadUntilAsync("reauth");
        var fresh = await own.Rig.TicketUrlAsync("terminal-renew", own.Address, TimeSpan.FromHours(3));
        await terminal.SendAsync(new { type = "auth", ticket = fresh[(fresh.IndexOf("ticket=", StringComparison.Ordinal) + 7)..] });

        // Frames are handled in order: this echo is the barrier after which the renewal has been taken.
        await terminal.SendAsync(new { type = "input", data = "echo renewed=$((2+3))\r" });
        await terminal.OutputContainingAsync("renewed=5\r\n");
        clock.Advance(TimeSpan.FromMinutes(5));
        await terminal.SendAsync(new { type = "input", data = "echo still=$((3+4))\r" });
        await terminal.OutputContainingAsync("still=7\r\n");

        Assert.Equal(WebSocketState.Open, terminal.Socket.State);
    }

    [Fact]
    public async Task Input_OverTheSocketsByteRate_RefusedUntilTheBudgetRefills()
    {
        await using var own = await OwnGatewayTerminalAsync("terminal-flood");
        var (clock, terminal) = (own.Clock, own.Terminal);

        await terminal.SendAsync(new { type = "input", data = "echo burst=$((4*4))\r" + new string('#', ConsoleLimits.InputBytes - 20) });
        await terminal.SendAsync(new { type = "input", data = "z" });
        var flood = await terminal.ReadUntilAsync("error");
        clock.Advance(TimeSpan.FromSeconds(1));
        await terminal.SendAsync(new { type = "input", data = "\u0015echo after=$((5*5))\r" });
        await terminal.OutputContainingAsync("after=25\r\n");

        Assert.Equal("Too much input: at most 4096 bytes per second.", flood.GetProperty("message").GetString());
        Assert.Contains("burst=16\r\n", terminal.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("#z", terminal.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A terminal opened through a gateway of its own on a fake clock that starts at real time (so a token's real expiry
    /// is reachable by advancing it) and takes 4096 input bytes per second.
    /// </summary>
    private async Task<OwnGateway> OwnGatewayTerminalAsync(string owner)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, clock, extra: new Dictionary<string, string?> { ["ConsoleSocket:InputBytesPerSecond"] = "4096" });
        var address = new Uri(gateway.Urls.First());
        var rig = await TerminalRig.StartAsync(fixture, owner);
        var (terminal, _) = await rig.OpenAsync(await rig.TicketUrlAsync(owner, address), address);
        return new OwnGateway(gateway, clock, address, rig, terminal);
    }

    /// <summary>When a token minted now by <see cref="TestTokens.For"/> expires (it starts a minute back and lasts an hour).</summary>
    private static DateTimeOffset TokenExpiry() => DateTimeOffset.UtcNow.AddMinutes(59);

    private sealed record OwnGateway(Microsoft.AspNetCore.Builder.WebApplication Gateway, FakeTimeProvider Clock, Uri Address, TerminalRig Rig, ConsoleClient Terminal) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Terminal.Dispose();
            await Rig.DisposeAsync();
            await Gateway.DisposeAsync();
        }
    }

    [GeneratedRegex(@"pid=(\d+)\r\n")]
    private static partial Regex PidPattern();
}
