using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.IdeTunnel;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>What several sockets of one console share (the command budget) and what stays one user's (a terminal session), and terminal input as IDE activity.</summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleSharingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Command_TwoSocketsOfOneConsole_ShareOneBurstOfTenThenBothRefused()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-shared-budget");
        using var first = await rig.OpenAsync(await rig.TicketUrlAsync("console-shared-budget"));
        using var second = await rig.OpenAsync(await rig.TicketUrlAsync("console-shared-budget"));

        for (var i = 0; i < 5; i++)
        {
            await first.SendAsync(new { type = "command", data = "say first " + i });
            await second.SendAsync(new { type = "command", data = "say second " + i });
        }

        // Each socket's frames are handled in order: the marker's echo means its five commands were taken.
        await first.OutputContainingAsync("[Server] first 4");
        await second.OutputContainingAsync("[Server] second 4");
        await second.SendAsync(new { type = "command", data = "say eleventh" });
        var secondRefused = await second.ReadUntilAsync("error");
        await first.SendAsync(new { type = "command", data = "say twelfth" });
        var firstRefused = await first.ReadUntilAsync("error");

        Assert.Equal("Too many commands: 10 at once, then one per 1 s.", secondRefused.GetProperty("message").GetString());
        Assert.Equal("Too many commands: 10 at once, then one per 1 s.", firstRefused.GetProperty("message").GetString());
        using var portal = fixture.CreateClient(TestTokens.For("console-shared-budget"));
        var audit = await portal.GetFromJsonAsync<ConsoleAuditEntry[]>($"/api/servers/{rig.Id}/console/audit", Json.Options);
        Assert.Equal(10, audit!.Length);
        Assert.DoesNotContain(audit, e => e.Command is "say eleventh" or "say twelfth");
        var log = File.ReadAllText(rig.Run.ConsoleLog);
        Assert.DoesNotContain("eleventh", log, StringComparison.Ordinal);
        Assert.DoesNotContain("twelfth", log, StringComparison.Ordinal);
        Assert.Equal((WebSocketState.Open, WebSocketState.Open), (first.Socket.State, second.Socket.State));
    }

    [Fact]
    public async Task Terminal_SessionOpenedByTheOwnerAskedForByAnOperator_ErrorFrameClose1008AndTheShellUntouched()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-bound");
        var (owner, session) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-bound"));
        using var _ = owner;
        await owner.SendAsync(new { type = "input", data = "echo mine=$((3*3))\r" });
        await owner.OutputContainingAsync("mine=9\r\n");
        var ownerSeen = owner.Text;

        var operatorUrl = await rig.TicketUrlAsync("terminal-operator", isOperator: true);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(rig.SocketUri(operatorUrl + "&session=" + session + "&since=0"), CancellationToken.None);
        using var intruder = new ConsoleClient(socket);
        var refused = await intruder.ReadUntilAsync("error");
        await intruder.ReadUntilAsync("closed");

        Assert.Equal("This terminal session belongs to another user.", refused.GetProperty("message").GetString());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "This terminal session belongs to another user."), (socket.CloseStatus, socket.CloseStatusDescription));
        Assert.Empty(intruder.Output);
        Assert.Equal(1, rig.Sessions.Count);

        // Nothing of the owner's shell changed: the owner goes on typing into it, and saw nothing extra meanwhile.
        Assert.Equal(ownerSeen, owner.Text);
        await owner.SendAsync(new { type = "input", data = "echo still=$((4*4))\r" });
        await owner.OutputContainingAsync("still=16\r\n");
        Assert.Equal(WebSocketState.Open, owner.Socket.State);
    }

    [Fact]
    public async Task Terminal_OperatorOpensWithoutASession_OwnShellNotTheOwners()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-operator-own");
        var (owner, ownerSession) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-operator-own"));
        using var _ = owner;

        var (operatorTerminal, operatorSession) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-operator", isOperator: true));
        using var __ = operatorTerminal;

        Assert.NotEqual(ownerSession, operatorSession);
        Assert.Equal(2, rig.Sessions.Count);
    }

    [Fact]
    public async Task Input_AcceptedByTheTerminal_ReportedOnceAsIdeActivityAndRefusedInputIsNot()
    {
        await using var rig = await TerminalRig.StartAsync(fixture, "terminal-activity");
        var (terminal, _) = await rig.OpenAsync(await rig.TicketUrlAsync("terminal-activity"));
        using var __ = terminal;
        var reporter = fixture.Gateway.Services.GetRequiredService<IdeActivityReporter>();
        var grain = fixture.Client.GetGrain<IDevContainerGrain>(rig.Id).GetGrainId();

        await terminal.SendAsync(new { type = "input", data = new string('y', ConsoleLimits.InputBytes + 1) });
        await terminal.ReadUntilAsync("error");
        await reporter.FlushAsync(force: true);
        var afterRefused = fixture.Calls.Count(grain, nameof(IDevContainerGrain.ReportIdeActivityAsync));

        await terminal.SendAsync(new { type = "input", data = "echo typed=$((2*21))\r" });
        await terminal.OutputContainingAsync("typed=42\r\n");

        // Frames are handled in order: the refusal of the next one means the input's activity was recorded.
        await terminal.SendAsync(new { type = "resize", cols = 0, rows = 1 });
        await terminal.ReadUntilAsync("error");
        await reporter.FlushAsync(force: true);

        Assert.Equal(0, afterRefused);
        Assert.Equal(1, fixture.Calls.Count(grain, nameof(IDevContainerGrain.ReportIdeActivityAsync)));
    }
}
