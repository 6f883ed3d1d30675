using System.Net;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>Every part a real process on loopback: artifact store, silo(s), gateway, agents.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PlatformTests(PlatformFixture shared)
{
    private static bool Ready(JsonElement s) =>
        s.TryGetProperty("dev", out var dev) && dev.ValueKind == JsonValueKind.Object && dev.GetProperty("provisioningComplete").GetBoolean();

    private static string State(JsonElement s) => s.GetProperty("state").GetString()!;

    private static bool HasPid(JsonElement s) =>
        s.GetProperty("process") is { ValueKind: JsonValueKind.Object } process && process.GetProperty("pid").ValueKind == JsonValueKind.Number;

    private static bool Connected(JsonElement s) => string.Equals(s.Text("connectivity"), "connected", StringComparison.OrdinalIgnoreCase);

    [Fact]
    public async Task DevContainer_Provisioned_RuntimeAndIdeReadyThenTunnelCarriesHttpAndWebSocket()
    {
        var platform = await shared.GetAsync();
        var (id, credential) = await platform.ProvisionDevAsync();
        await using var agent = platform.StartAgent(id, "dev", credential);

        var ready = await platform.WaitForStatusAsync(id, Ready, "provisioningComplete");
        var cookie = await IdeClient.OpenSessionAsync(platform, id);
        var (status, page) = await IdeClient.GetAsync(platform, id, cookie);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {page}");
        var (text, binary) = await IdeClient.EchoAsync(platform, id, cookie, "hello through the tunnel", [1, 2, 3, 250]);

        Assert.Equal("Ready", State(ready));
        Assert.Contains(ready.GetProperty("dev").GetProperty("installedRuntimes").EnumerateArray(), r => r.Text("name") == Platform.Platform.Runtime);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Stand-in IDE", page, StringComparison.Ordinal);
        Assert.Equal("hello through the tunnel", text);
        Assert.Equal([1, 2, 3, 250], binary);
        var (noCookie, _) = await IdeClient.GetAsync(platform, id, "zlh_ide=forged");
        Assert.Equal(HttpStatusCode.Unauthorized, noCookie);
    }

    [Fact]
    public async Task GameServer_StartedThenCrashes_CrashRecordWithLogTailAndRestartAfterBackoff()
    {
        var platform = await shared.GetAsync();
        var (id, credential) = await platform.ProvisionGameAsync();
        await using var agent = platform.StartAgent(id, "game", credential, new Dictionary<string, string>
        {
            // Real seconds here: the 30/60/120 s policy itself is tested on a fake clock in the agent's suite.
            ["Agent__Supervision__Backoff__0"] = "00:00:02",
            ["Agent__Supervision__Backoff__1"] = "00:00:04",
            ["Agent__Supervision__Backoff__2"] = "00:00:08",
        });
        await platform.WaitForStatusAsync(id, s => State(s) == "Stopped", "installed and stopped");

        await platform.SendAsync(HttpMethod.Post, $"/api/servers/{id}/power", platform.Token, new { action = "start" });
        var running = await platform.WaitForStatusAsync(id, s => State(s) == "Running" && HasPid(s), "running");
        await File.AppendAllTextAsync(platform.ConsoleOf(id), "crash oom\n");
        var crashes = await Wait.UntilAsync<JsonElement?>(
            async () => await platform.SendAsync(HttpMethod.Get, $"/api/servers/{id}/crashes", platform.Token) is { } list && list.GetArrayLength() > 0 ? list : null,
            TimeSpan.FromSeconds(60),
            "a crash record");
        var restarted = await platform.WaitForStatusAsync(
            id,
            s => State(s) == "Running" && HasPid(s) && s.GetProperty("crashes").GetProperty("total").GetInt32() == 1 && s.GetProperty("process").Text("pid") != running.GetProperty("process").Text("pid"),
            "running again after the backoff, as a new process");

        var crash = crashes!.Value[0];
        Assert.Equal("oom", crash.Text("classification"), ignoreCase: true);
        Assert.Contains("java.lang.OutOfMemoryError", crash.Text("logTail"), StringComparison.Ordinal);
        Assert.Equal("00:00:02", crash.Text("restartDelay"));
        Assert.Equal(1, restarted.GetProperty("game").GetProperty("consecutiveCrashes").GetInt32());
    }

    [Fact]
    public async Task Silo_KilledMidRunAndStartedAgain_NothingLostAgentsReconnectIdeWorksAgain()
    {
        await using var platform = await Platform.Platform.StartAsync();
        var (devId, devCredential) = await platform.ProvisionDevAsync();
        var (gameId, gameCredential) = await platform.ProvisionGameAsync();
        platform.StartAgent(devId, "dev", devCredential);
        platform.StartAgent(gameId, "game", gameCredential, new Dictionary<string, string> { ["Agent__Supervision__Backoff__0"] = "00:00:01" });
        await platform.WaitForStatusAsync(devId, Ready, "provisioningComplete");
        await platform.WaitForStatusAsync(gameId, s => State(s) == "Stopped", "installed");
        await platform.SendAsync(HttpMethod.Post, $"/api/servers/{gameId}/power", platform.Token, new { action = "start" });
        await platform.WaitForStatusAsync(gameId, s => State(s) == "Running", "running");
        await File.AppendAllTextAsync(platform.ConsoleOf(gameId), "crash exit 3\n");
        await platform.WaitForStatusAsync(gameId, s => s.GetProperty("crashes").GetProperty("total").GetInt32() == 1, "the crash recorded");
        var cookie = await IdeClient.OpenSessionAsync(platform, devId);

        await platform.Process("silo0").KillAsync();
        await platform.RestartSiloAsync("silo0");

        var dev = await platform.WaitForStatusAsync(devId, s => Connected(s) && Ready(s), "agent back and ready", TimeSpan.FromSeconds(120));
        var game = await platform.WaitForStatusAsync(gameId, Connected, "agent back", TimeSpan.FromSeconds(120));
        var crashes = await platform.SendAsync(HttpMethod.Get, $"/api/servers/{gameId}/crashes", platform.Token);
        var (status, page) = (await Wait.UntilAsync<(HttpStatusCode Status, string Body)?>(
            async () => await IdeClient.GetAsync(platform, devId, cookie) is var r && r.Status == HttpStatusCode.OK ? r : null,
            TimeSpan.FromSeconds(60),
            "the IDE through the old session"))!.Value;
        var (text, _) = await IdeClient.EchoAsync(platform, devId, cookie, "after the silo came back", [7]);

        Assert.Equal("Ready", State(dev));
        Assert.Equal(1, game.GetProperty("crashes").GetProperty("total").GetInt32());
        Assert.Equal(3, crashes[0].GetProperty("exitCode").GetInt32());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Stand-in IDE", page, StringComparison.Ordinal);
        Assert.Equal("after the silo came back", text);
    }

    [Fact]
    public async Task TwoSilosOnPostgres_OneKilled_ContainersKeepAnsweringThroughTheOther()
    {
        var database = await PostgresDatabase.CreateAsync(prefix: "zlh_e2e_");
        try
        {
            await using var platform = await Platform.Platform.StartAsync(silos: 2, postgres: database.ConnectionString, siloSettings: new Dictionary<string, string>
            {
                ["Cluster__Membership__ProbeTimeout"] = "00:00:01",
                ["Cluster__Membership__NumMissedProbesLimit"] = "2",
                ["Cluster__Membership__NumVotesForDeathDeclaration"] = "1",
            });
            var ids = new List<long>();
            for (var i = 0; i < 8; i++)
            {
                ids.Add((await platform.ProvisionGameAsync()).Id);
            }

            await platform.Process("silo0").KillAsync();

            foreach (var id in ids)
            {
                var status = await platform.WaitForStatusAsync(id, s => State(s) == "Provisioning", "an answer from the surviving silo", TimeSpan.FromSeconds(90));
                Assert.Equal(id, status.GetProperty("containerId").GetInt64());
            }
        }
        finally
        {
            await database.DropAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    // One test at a time: each platform is several processes, and the machine has two cores. Tests that need nothing
    // but a default platform share one (PlatformFixture); a test that kills a silo or the gateway, or changes their
    // settings, starts its own.
    public const string Name = "platform";
}
