using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Auth;

[Collection(GatewayCollection.Name)]
public sealed class DevTokenEndpointTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.0.2.7", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("0.0.0.0", false)]
    public void IsLocalCaller_Address_OnlyLoopback(string address, bool expected)
    {
        Assert.Equal(expected, DevTokenEndpoint.IsLocalCaller(IPAddress.Parse(address)));
    }

    [Fact]
    public void IsLocalCaller_NoAddress_Refused()
    {
        Assert.False(DevTokenEndpoint.IsLocalCaller(null));
    }

    [Fact]
    public async Task DevToken_CallerOnAnotherAddress_403ProblemAndNoToken()
    {
        // A real socket from a non-loopback address of this machine: the gateway listens there and sees that address.
        var address = NonLoopbackAddress();
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, TimeProvider.System, extra: new Dictionary<string, string?>
        {
            ["urls"] = $"http://{address}:0",
            ["Auth:AllowDevTokens"] = "true",
        });
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var response = await http.PostAsJsonAsync("/api/dev-token", new { userId = "mallory", @operator = true });
        var body = await response.Content.ReadAsStringAsync();
        var problem = JsonDocument.Parse(body).RootElement;

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Development tokens are minted only for callers on the gateway's own machine.", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("token\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevToken_LoopbackCaller_MintsAndOversizedBodyIs413()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, TimeProvider.System, extra: new Dictionary<string, string?> { ["Auth:AllowDevTokens"] = "true" });
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };
        // One long value, not an unknown field: a chunked body read in small pieces would meet the unknown field's
        // refusal (400) before the size limit (413).
        var padded = "{\"userId\":\"" + new string('x', 5 * 1024) + "\"}";
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(padded)));
        chunked.Headers.ContentType = new("application/json");

        var minted = await http.PostAsJsonAsync("/api/dev-token", new { userId = "local-dev" });
        var tooBig = await http.PostAsync("/api/dev-token", new StringContent(padded, Encoding.UTF8, "application/json"));
        var tooBigChunked = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/dev-token") { Content = chunked, Headers = { TransferEncodingChunked = true } });
        var notJson = await http.PostAsync("/api/dev-token", new StringContent("userId=local-dev", Encoding.UTF8, "application/x-www-form-urlencoded"));
        var tooBigProblem = JsonDocument.Parse(await tooBig.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        Assert.False(string.IsNullOrEmpty((await minted.Content.ReadFromJsonAsync<DevTokenResponse>(Json.Options))!.Token));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("The request body is larger than the 4096 bytes this route accepts.", tooBigProblem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBigChunked.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    private static IPAddress NonLoopbackAddress()
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return address ?? throw new InvalidOperationException("This test needs a non-loopback IPv4 address on this machine to call from.");
    }
}
