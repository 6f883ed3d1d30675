using System.Net;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>
/// Issue 14's deletion with every part a real process: gateway, silo, the agent and the game server it runs (the
/// collection's shared platform; each case deletes a container of its own).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DeletionTests(PlatformFixture shared)
{
    private static string State(JsonElement s) => s.GetProperty("state").GetString()!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeleteServer_RunningWithItsAgent_ServerEndsDataGoesAgentExitsIdIs404CredentialRefused(bool keepData)
    {
        var platform = await shared.GetAsync();
        var (id, credential) = await platform.ProvisionGameAsync();
        var agent = platform.StartAgent(id, "game", credential);
        await platform.WaitForStatusAsync(id, s => State(s) == "Stopped", "installed and stopped");
        await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/power", platform.Token, new { action = "start" });
        var running = await platform.WaitForStatusAsync(
            id,
            s => State(s) == "Running" && s.GetProperty("process") is { ValueKind: JsonValueKind.Object } p && p.GetProperty("pid").ValueKind == JsonValueKind.Number,
            "running");
        var pid = running.GetProperty("process").GetProperty("pid").GetInt32();
        var game = Path.Combine(platform.AgentData(id), "game");
        string[] directories = [Path.Combine(game, "server"), Path.Combine(game, "run"), Path.Combine(game, "state")];
        Assert.All(directories, d => Assert.True(Directory.Exists(d), d));

        var deleting = await platform.SendAsync(HttpMethod.Delete, $"/api/servers/{id}?keepData={(keepData ? "true" : "false")}", platform.Token);
        Assert.Equal("Deleting", State(deleting));
        await Wait.UntilAsync(() => agent.HasExited ? "exited" : null, TimeSpan.FromSeconds(90), "the agent exits once the grain took its confirmation");

        Assert.False(IsAlive(pid), $"the game server {pid} still runs");
        Assert.All(directories, d => Assert.Equal(keepData, Directory.Exists(d)));
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{platform.GatewayUrl}/api/servers/{id}/status"))
        {
            request.Headers.Authorization = new("Bearer", platform.Token);
            using var status = await platform.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }

        // The old credential no longer opens the link: a new agent holding it is refused, and says so.
        var again = platform.StartAgent(id, "game", credential);
        await Wait.UntilAsync(
            () => again.Log().Contains($"The cluster refused the agent of container {id} (", StringComparison.Ordinal) ? "refused" : null,
            TimeSpan.FromSeconds(60),
            "the old credential refused");
        Assert.Contains($"The cluster refused the agent of container {id} (CallerRejectedException", again.Log(), StringComparison.Ordinal);

        // The platform outlives this test: the refused agent goes now, not with it.
        await again.StopAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>True while <paramref name="pid"/> is a process that has not ended (a zombie has).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
