using System.Globalization;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>
/// Two dev agents on one host (two data roots, two IDE ports), every part a real process: each manages only its own
/// code-server. Before, an agent adopted any process whose command line mentioned code-server, took over the other's
/// IDE at start and stopped it with itself.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TwoDevAgentsTests(PlatformFixture shared)
{
    [Fact]
    public async Task AgentStop_TwoDevAgentsOnOneHost_LeavesTheOtherAgentsCodeServerRunning()
    {
        var platform = await shared.GetAsync();
        var (firstId, firstCredential) = await platform.ProvisionDevAsync();
        var (secondId, secondCredential) = await platform.ProvisionDevAsync();
        await using var firstAgent = platform.StartAgent(firstId, "dev", firstCredential);
        var firstPid = IdePid(await platform.WaitForStatusAsync(firstId, Ready, "the first IDE ready"));
        var secondAgent = platform.StartAgent(secondId, "dev", secondCredential);
        var secondPid = IdePid(await platform.WaitForStatusAsync(secondId, Ready, "the second IDE ready"));

        Assert.NotEqual(firstPid, secondPid);
        Assert.True(IsRunning(firstPid));
        Assert.True(IsRunning(secondPid));

        // As Ctrl-C on one stack does: that agent stops its own code-server (StopOnAgentStop) and nothing else.
        await secondAgent.StopAsync(TimeSpan.FromSeconds(30));
        var cookie = await IdeClient.OpenSessionAsync(platform, firstId);
        var (status, page) = await IdeClient.GetAsync(platform, firstId, cookie);

        Assert.False(IsRunning(secondPid));
        Assert.True(IsRunning(firstPid));
        Assert.Equal(firstPid, IdePid(await platform.StatusAsync(firstId)));
        Assert.True(status == System.Net.HttpStatusCode.OK, $"{status}: {page}");
        Assert.Contains("Stand-in IDE", page, StringComparison.Ordinal);
    }

    private static bool Ready(JsonElement s) =>
        s.TryGetProperty("dev", out var dev) && dev.ValueKind == JsonValueKind.Object && dev.GetProperty("provisioningComplete").GetBoolean()
        && s.GetProperty("process") is { ValueKind: JsonValueKind.Object } process && process.GetProperty("pid").ValueKind == JsonValueKind.Number;

    private static int IdePid(JsonElement s) => s.GetProperty("process").GetProperty("pid").GetInt32();

    // Each code-server is its agent's child and is reaped by it, so a stopped one leaves no /proc entry behind.
    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
}
