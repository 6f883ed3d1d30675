using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Templates;

/// <summary>A template's install artifact, config files and UDP readiness: checked when stored, rendered for the agent, rendered again on an update.</summary>
public sealed class TemplateInstallRulesTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private const string Query = "ffffffff54536f7572636520456e67696e6520517565727900";

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Put_BadConfigFileInstallOrUdpPayload_RefusedNamingTheFieldAndNothingChanged()
    {
        var catalog = Client.GetGrain<ITemplateCatalogGrain>("install-" + Guid.NewGuid());
        CallAs.Operator();
        await catalog.PutAsync(Template("srcds"));

        var path = await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.PutAsync(Template("srcds") with { ConfigFiles = [new ConfigFile("../../etc/passwd", "x")] }));
        var size = await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.PutAsync(Template("srcds") with { Install = new InstallArtifact("https://files.example/srcds.tar.gz", new string('a', 64), 0) }));
        var udp = await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.PutAsync(Template("srcds") with { Readiness = new Readiness(null, true, TimeSpan.FromMinutes(1), "zz") }));

        Assert.Equal("configFiles[0].path must be a relative path inside the server directory (no '..', not absolute) of at most 256 characters.", path.Message);
        Assert.Equal("install.sizeBytes must be between 1 and 4294967296.", size.Message);
        Assert.Equal("readiness.probeUdpPayloadHex must be 1-512 bytes as hexadecimal digits, with probePort on.", udp.Message);
        var stored = Assert.Single(await catalog.GetAsync());
        Assert.Equal((Query, "server.properties"), (stored.Readiness.ProbeUdpPayloadHex, stored.ConfigFiles![0].Path));
    }

    [Fact]
    public async Task ProvisionThenUpdate_ConfigFilesRenderedFromTheVariablesAndTheUdpProbeHandedToTheAgent()
    {
        var name = "cfg-" + Guid.NewGuid().ToString("N")[..8];
        CallAs.Operator();
        await Client.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).PutAsync(Template(name));
        CallAs.Gateway();
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());
        var credential = (await grain.ProvisionAsync(Alice, new GameServerSpec(name, "", null, 1024, new Dictionary<string, string> { ["port"] = "27020" }))).AgentCredential;

        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        var launch = (await grain.GetDesiredSpecAsync()).Game!.Spec.Launch!;
        Assert.Equal([new ConfigFile("server.properties", "server-port=27020\nmemory=1024\ndir={{serverDir}}\n")], launch.ConfigFiles);
        Assert.Equal((27020, Query), (launch.ReadyPort, launch.ReadyUdpPayloadHex));
        Assert.Equal(new InstallArtifact("https://files.example/srcds.tar.gz", new string('a', 64), 4096), launch.Install);

        CallAs.Gateway();
        await grain.UpdateAsync(Alice, new GameServerUpdate(new Dictionary<string, string> { ["port"] = "27030" }));
        CallAs.Agent(grain.GetPrimaryKeyLong(), credential);
        Assert.Equal("server-port=27030\nmemory=1024\ndir={{serverDir}}\n", (await grain.GetDesiredSpecAsync()).Game!.Spec.Launch!.ConfigFiles![0].Content);
    }

    private static GameTemplate Template(string name) => new(
        name, "1", "A UDP game.", ["./srcds_run", "-port", "{{port}}"], false, 27015, [],
        new StopMethod("quit", 15, TimeSpan.FromSeconds(10)), new Readiness(null, true, TimeSpan.FromMinutes(1), Query), [], null, [],
        new InstallArtifact("https://files.example/srcds.tar.gz", new string('a', 64), 4096),
        [new ConfigFile("server.properties", "server-port={{port}}\nmemory={{memoryMb}}\ndir={{serverDir}}\n")]);
}
