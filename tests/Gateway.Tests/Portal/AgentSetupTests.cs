using System.Net;
using System.Text.Json;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Portal;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Portal;

/// <summary><c>GET /api/agent-setup</c>: what the portal needs to print the command that starts an agent.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AgentSetupTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AgentSetup_Defaults_DescribeTheLocalhostSiloAndDefaultPaths()
    {
        using var http = fixture.CreateClient(TestTokens.For("agent-setup"));

        var response = await http.GetAsync("/api/agent-setup");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"command":"dotnet /opt/zlh-agent/ZlhGrind.Agent.dll","credentialFile":"/etc/zlh/agent.credential","clusterGateways":["127.0.0.1:30000"],"tls":false,"caCertificate":"/etc/zlh/ca.pem","clusterId":"zlhgrind","serviceId":"zlhgrind","gameArguments":[],"devArguments":[]}""",
            body);
    }

    [Fact]
    public async Task AgentSetup_WithoutToken_401AndNoSetup()
    {
        using var http = fixture.CreateClient();

        var response = await http.GetAsync("/api/agent-setup");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("clusterGateways", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentSetup_Configured_ReturnsTheOperatorsGatewaysArgumentsAndTls()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?>
        {
            ["AgentSetup:Command"] = "/usr/local/bin/zlh-agent",
            ["AgentSetup:ClusterGateways:0"] = "10.0.0.5:30000",
            ["AgentSetup:ClusterGateways:1"] = "10.0.0.6:30000",
            ["AgentSetup:DevArguments:0"] = "--Agent:CodeServer:ArtifactUrl=https://artifacts.internal/code-server.tar.gz",
        }.With(TestTls.Gateway()));
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("agent-setup"));

        using var setup = JsonDocument.Parse(await http.GetStringAsync("/api/agent-setup"));
        var root = setup.RootElement;

        Assert.Equal("/usr/local/bin/zlh-agent", root.GetProperty("command").GetString());
        Assert.Equal(["10.0.0.5:30000", "10.0.0.6:30000"], root.GetProperty("clusterGateways").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(root.GetProperty("tls").GetBoolean());
        Assert.Equal(["--Agent:CodeServer:ArtifactUrl=https://artifacts.internal/code-server.tar.gz"], root.GetProperty("devArguments").EnumerateArray().Select(e => e.GetString()!));
        Assert.Empty(root.GetProperty("gameArguments").EnumerateArray());
    }

    [Theory]
    [InlineData(ClusterMode.Static, new[] { "10.1.0.1:30000", "10.1.0.2:30000" })]
    [InlineData(ClusterMode.Postgres, new string[0])]
    public void Describe_NoGatewaysConfigured_FollowsTheClusterModeAndGuessesNothing(ClusterMode mode, string[] expected)
    {
        var cluster = new ClusterConnectionOptions { Mode = mode, Gateways = ["10.1.0.1:30000", "10.1.0.2:30000"] };

        var setup = AgentSetupEndpoint.Describe(new AgentSetupOptions(), cluster, tls: false);

        Assert.Equal(expected, setup.ClusterGateways);
    }

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new AgentSetupOptionsValidator().Validate(null, new AgentSetupOptions()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_EveryFailureNamesItsKey()
    {
        var options = new AgentSetupOptions
        {
            Command = " ",
            CredentialFile = "agent.credential",
            CaCertificate = "",
            ClusterGateways = ["10.0.0.5", "10.0.0.6:0"],
            GameArguments = ["--Agent:DataRoot=/srv/a b"],
            DevArguments = ["--Other=1", "--Agent:X=$(reboot)"],
        };

        var result = new AgentSetupOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "AgentSetup:Command must not be empty.",
                "AgentSetup:CredentialFile must be an absolute path, not 'agent.credential'.",
                "AgentSetup:CaCertificate must be an absolute path, not ''.",
                "AgentSetup:ClusterGateways:0 must be host:port, not '10.0.0.5'.",
                "AgentSetup:ClusterGateways:1 must be host:port, not '10.0.0.6:0'.",
                "AgentSetup:GameArguments:0 must be one --Agent:Key=value word without spaces or shell characters, not '--Agent:DataRoot=/srv/a b'.",
                "AgentSetup:DevArguments:0 must be one --Agent:Key=value word without spaces or shell characters, not '--Other=1'.",
                "AgentSetup:DevArguments:1 must be one --Agent:Key=value word without spaces or shell characters, not '--Agent:X=$(reboot)'.",
            ],
            result.Failures!);
    }

    [Fact]
    public async Task Start_BadAgentSetup_RefusesToStartNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, extra: new Dictionary<string, string?> { ["AgentSetup:ClusterGateways:0"] = "nohost" }));

        Assert.Equal("AgentSetup:ClusterGateways:0 must be host:port, not 'nohost'.", error.Message);
    }
}
