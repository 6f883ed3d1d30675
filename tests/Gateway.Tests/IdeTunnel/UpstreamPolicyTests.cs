using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.IdeTunnel;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

public sealed class UpstreamPolicyTests
{
    [Theory]
    [InlineData("10.0.3.7", "http://10.0.3.7:8080")]
    [InlineData("10.0.3.7:9000", "http://10.0.3.7:9000")]
    [InlineData("[fd00::7]:8080", "http://[fd00::7]:8080")]
    [InlineData("fd00::7", "http://[fd00::7]:8080")]
    [InlineData("::ffff:10.0.3.7", "http://10.0.3.7:8080")]
    public void Check_AddressInContainerNetwork_DestinationOnTheIdePort(string address, string expected)
    {
        var policy = Policy(networks: ["10.0.0.0/16", "fd00::/8"]);

        Assert.Equal(UpstreamVerdict.Allowed, policy.Check(address, out var destination));
        Assert.Equal(expected, destination);
    }

    [Theory]
    [InlineData("127.0.0.1:8081")] // the silo dashboard on loopback
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("169.254.169.254:80")] // cloud metadata, link-local
    [InlineData("fe80::1")]
    [InlineData("224.0.0.1")] // multicast
    [InlineData("ff02::1")]
    [InlineData("0.0.0.0")] // unspecified
    [InlineData("::")]
    [InlineData("255.255.255.255")]
    [InlineData("10.0.3.7:5432")] // PostgreSQL
    [InlineData("10.0.3.7:11111")] // silo-to-silo
    [InlineData("10.0.3.7:30000")] // the silo's client gateway
    [InlineData("10.0.3.7:8081")] // dashboard
    [InlineData("10.0.3.7:8000")] // the gateway itself
    [InlineData("code-server.internal:8080")]
    public void Check_BuiltInRefusal_RefusedWithoutDestination(string address)
    {
        Assert.Equal(UpstreamVerdict.Refused, Policy().Check(address, out var destination));
        Assert.Null(destination);
    }

    [Fact]
    public void Check_OutsideConfiguredNetworks_Refused()
    {
        Assert.Equal(UpstreamVerdict.Refused, Policy(networks: ["10.0.0.0/16"]).Check("10.1.0.1", out var destination));
        Assert.Null(destination);
    }

    [Fact]
    public void Check_NoAddress_Unknown()
    {
        Assert.Equal(UpstreamVerdict.Unknown, Policy().Check(null, out var destination));
        Assert.Null(destination);
    }

    [Fact]
    public void Check_ExplicitLoopbackEndpoint_OnlyThatPortAllowed()
    {
        // What ./zlh up configures: its one IDE on 127.0.0.1, nothing else on loopback.
        var policy = Policy(explicitUpstreams: ["127.0.0.1:8080"]);

        Assert.Equal(UpstreamVerdict.Allowed, policy.Check("127.0.0.1", out var destination));
        Assert.Equal("http://127.0.0.1:8080", destination);
        Assert.Equal(UpstreamVerdict.Refused, policy.Check("127.0.0.1:8081", out _));
        Assert.Equal(UpstreamVerdict.Refused, policy.Check("127.0.0.2:8080", out _));
    }

    [Fact]
    public void Check_ConfiguredRefusedPorts_ReplaceTheDefaults()
    {
        var policy = new UpstreamPolicy(Options.Create(new IdeTunnelOptions { RefusedUpstreamPorts = [9999] }));

        Assert.Equal(UpstreamVerdict.Refused, policy.Check("10.0.3.7:9999", out _));
        Assert.Equal(UpstreamVerdict.Allowed, policy.Check("10.0.3.7:5432", out _));
    }

    [Theory]
    [InlineData("10.10.0.0/16", 1002, "10.10.3.234")]
    [InlineData("10.10.0.0/16", 65535, "10.10.255.255")]
    [InlineData("10.10.0.0/16", 65536, null)]
    [InlineData("10.0.0.0/8", 999999, "10.15.66.63")]
    [InlineData("fd00:1::/64", 1002, "fd00:1::3ea")]
    public void FromContainerNetwork_IdWithinTheNetwork_BasePlusId(string network, long id, string? expected)
    {
        var policy = new UpstreamPolicy(Options.Create(new IdeTunnelOptions { ContainerNetwork = network }));

        Assert.Equal(expected, policy.FromContainerNetwork(id));
    }

    [Fact]
    public void FromContainerNetwork_NotConfigured_Null()
    {
        Assert.Null(Policy().FromContainerNetwork(1002));
    }

    [Fact]
    public void Options_InvalidEntries_Invalid()
    {
        Assert.False(Valid(new IdeTunnelOptions { AllowedUpstreamNetworks = ["10.0.0.0/99"] }));
        Assert.False(Valid(new IdeTunnelOptions { SessionCacheTtl = TimeSpan.FromSeconds(6) }));
        Assert.False(Valid(new IdeTunnelOptions { ExplicitUpstreams = ["127.0.0.1"] }));
        Assert.False(Valid(new IdeTunnelOptions { UpstreamPort = 0 }));
        Assert.False(Valid(new IdeTunnelOptions { RefusedUpstreamPorts = [70000] }));
        Assert.False(Valid(new IdeTunnelOptions { ContainerNetwork = "10.10.0.0" }));
        Assert.False(Valid(new IdeTunnelOptions { Host = "ide.example.com" }));
        Assert.False(Valid(new IdeTunnelOptions { Host = "{id}.{id}.example.com" }));
        Assert.True(Valid(new IdeTunnelOptions { AllowedUpstreamNetworks = ["10.0.0.0/8"], ExplicitUpstreams = ["127.0.0.1:8080", "127.0.0.0/8"] }));
    }

    private static bool Valid(IdeTunnelOptions options) => new IdeTunnelOptionsValidator().Validate(null, options).Succeeded;

    private static UpstreamPolicy Policy(string[]? networks = null, string[]? explicitUpstreams = null) =>
        new(Options.Create(new IdeTunnelOptions { AllowedUpstreamNetworks = [.. networks ?? []], ExplicitUpstreams = [.. explicitUpstreams ?? []] }));
}
