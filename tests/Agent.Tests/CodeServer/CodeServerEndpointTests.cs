using System.Net;
using ZlhGrind.Agent.CodeServer;

namespace ZlhGrind.Agent.Tests.CodeServer;

public sealed class CodeServerEndpointTests
{
    [Theory]
    [InlineData("0.0.0.0", "10.1.2.3", "10.1.2.3")]
    [InlineData("127.0.0.1", null, "127.0.0.1")]
    [InlineData("192.168.5.20", null, "192.168.5.20")]
    public void AdvertisedHost_Options_PrefersAdvertiseThenBindAddress(string bind, string? advertise, string expected)
    {
        Assert.Equal(expected, CodeServerEndpoint.AdvertisedHost(new CodeServerOptions { BindAddress = bind, AdvertiseAddress = advertise }));
    }

    [Fact]
    public void AdvertisedHost_BindingAll_IsAnAddressOfThisMachineNotTheWildcard()
    {
        var host = CodeServerEndpoint.AdvertisedHost(new CodeServerOptions { BindAddress = "0.0.0.0" });

        Assert.NotEqual("0.0.0.0", host);
        Assert.True(IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
    }

    [Theory]
    [InlineData("10.0.0.7", 8080, "10.0.0.7:8080")]
    [InlineData("fd00::7", 8080, "[fd00::7]:8080")]
    public void Format_HostAndPort_IsIpColonPort(string host, int port, string expected)
    {
        Assert.Equal(expected, CodeServerEndpoint.Format(host, port));
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("::", "::1")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    public void Probe_BindAddress_IsWhereTheAgentConnects(string bind, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), CodeServerEndpoint.Probe(new CodeServerOptions { BindAddress = bind }));
    }
}
