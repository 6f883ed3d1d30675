using System.Net.Http.Json;
using System.Net.WebSockets;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Tests.Consoles;

/// <summary>
/// A command that cannot reach the server is answered with an error frame naming why and is not audited as sent
/// (a "say" right after the agent reported Installing once got neither an echo nor an error).
/// </summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleCommandDeliveryTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Command_RightAfterTheAgentReportedInstalling_ExactErrorFrameSocketOpenAndNotAudited()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-installing");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-installing"));
        await console.ReadUntilAsync("state");
        await rig.ReportStateAsync(1, GameServerState.Installing);
        await console.ReadUntilAsync("state", f => f.GetProperty("state").GetString() == "Installing");

        await console.SendAsync(new { type = "command", data = "say hello while installing" });
        var error = await console.ReadUntilAsync("error");

        Assert.Equal("The server is not running (Installing); the command was not sent.", error.GetProperty("message").GetString());
        Assert.Equal(WebSocketState.Open, console.Socket.State);
        Assert.Empty(await AuditAsync(rig, "console-installing"));
    }

    [Fact]
    public async Task Command_ServerEndedWhileTheAgentStillSaysRunning_ExactErrorFrameAndOnlyTheStopAudited()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-ended");
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-ended"));
        await console.OutputContainingAsync("Done");
        await console.SendAsync(new { type = "command", data = "stop" });
        await rig.WaitForExitsAsync();

        // The shim has gone with the server: nobody reads the FIFO any more, so a write would vanish.
        await console.SendAsync(new { type = "command", data = "say after the end" });
        var error = await console.ReadUntilAsync("error");

        Assert.Equal("The server's console input is closed (the server has ended); the command was not sent.", error.GetProperty("message").GetString());
        Assert.Equal(["stop"], (await AuditAsync(rig, "console-ended")).Select(e => e.Command));
    }

    [Fact]
    public async Task Command_AgentFailsTheWriteInsteadOfAnswering_ExactErrorFrameAndNotAudited()
    {
        await using var rig = await ConsoleRig.StartAsync(fixture, "console-failing-agent", "sleep 600");
        var agent = new FailingConsoleAgent();
        await rig.ConnectAgentAsync(agent);
        using var console = await rig.OpenAsync(await rig.TicketUrlAsync("console-failing-agent"));
        await console.ReadUntilAsync("state");

        await console.SendAsync(new { type = "command", data = "say into a failing agent" });
        var error = await console.ReadUntilAsync("error");

        Assert.Equal("The console's agent failed to write it; it was not sent.", error.GetProperty("message").GetString());
        Assert.Equal(1, agent.Writes);
        Assert.Equal(WebSocketState.Open, console.Socket.State);
        Assert.Empty(await AuditAsync(rig, "console-failing-agent"));
        GC.KeepAlive(agent);
    }

    private async Task<ConsoleAuditEntry[]> AuditAsync(ConsoleRig rig, string owner)
    {
        using var portal = fixture.CreateClient(TestTokens.For(owner));
        return (await portal.GetFromJsonAsync<ConsoleAuditEntry[]>($"/api/servers/{rig.Id}/console/audit", Json.Options))!;
    }

    /// <summary>An agent whose write throws (a broken FIFO, a bug) instead of answering a refusal.</summary>
    private sealed class FailingConsoleAgent : IConsoleAgent
    {
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public Task<ConsoleHistory> ReadAsync(long? since, int maxBytes) => Task.FromResult(new ConsoleHistory(0, [], false, 0));

        public Task<string?> WriteAsync(byte[] input)
        {
            Interlocked.Increment(ref _writes);
            throw new IOException("Broken pipe");
        }

        public Task<string?> ResizeAsync(int columns, int rows) => Task.FromResult<string?>("A game console has no terminal size.");

        public Task StreamAsync(bool on) => Task.CompletedTask;
    }
}
