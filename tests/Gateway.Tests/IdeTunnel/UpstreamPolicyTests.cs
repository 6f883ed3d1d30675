using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.IdeTunnel;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

public sealed class UpstreamPolicyTests
{
    [Theory]
    [InlineData("10.0.3.7:8080", "http://10.0.3.7:8080")]
    [InlineData("[fd00::7]:8080", "http://[fd00::7]:8080")]
    public void TryGetDestination_AddressInAllowedNetwork_HttpPrefix(string upstream, string expected)
    {
        var policy = Policy("10.0.0.0/16", "fd00::/8");

        Assert.True(policy.TryGetDestination(upstream, out var destination));
        Assert.Equal(expected, destination);
    }

    [Theory]
    [InlineData("169.254.169.254:80")]
    [InlineData("127.0.0.1:8081")]
    [InlineData("10.1.0.1:8080")]
    [InlineData("code-server.internal:8080")]
    [InlineData("10.0.3.7")]
    [InlineData("10.0.3.7:0")]
    [InlineData("")]
    [InlineData(null)]
    public void TryGetDestination_OutsideNetworksOrNotAnIpEndpoint_Refused(string? upstream)
    {
        Assert.False(Policy("10.0.0.0/16").TryGetDestination(upstream, out var destination));
        Assert.Null(destination);
    }

    [Fact]
    public void TryGetDestination_NoNetworksConfigured_AnyIpLiteralButNeverAHostName()
    {
        var policy = Policy();

        Assert.True(policy.TryGetDestination("192.0.2.10:8080", out _));
        Assert.False(policy.TryGetDestination("example.invalid:8080", out _));
    }

    [Fact]
    public void Options_InvalidCidrOrTtlAboveFiveSeconds_Invalid()
    {
        Assert.False(new IdeTunnelOptions { AllowedUpstreamNetworks = ["10.0.0.0/99"] }.IsValid());
        Assert.False(new IdeTunnelOptions { SessionCacheTtl = TimeSpan.FromSeconds(6) }.IsValid());
        Assert.True(new IdeTunnelOptions { AllowedUpstreamNetworks = ["10.0.0.0/8"] }.IsValid());
    }

    private static UpstreamPolicy Policy(params string[] networks) =>
        new(Options.Create(new IdeTunnelOptions { AllowedUpstreamNetworks = [.. networks] }));
}
