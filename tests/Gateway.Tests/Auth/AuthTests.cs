using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Auth;

[Collection(GatewayCollection.Name)]
public sealed class AuthTests(GatewayFixture fixture)
{
    public static TheoryData<string> RefusedTokens() => new()
    {
        TestTokens.For("auth-user", lifetime: TimeSpan.FromMinutes(1), notBefore: DateTime.UtcNow.AddMinutes(-10)),
        TestTokens.For("auth-user", signingKey: "another-signing-key-0123456789-abcdefghij"),
        TestTokens.For("auth-user", issuer: "someone-else"),
        TestTokens.For("auth-user", notBefore: DateTime.UtcNow.AddMinutes(10)),
        TestTokens.For(""),
        "not-a-jwt",
        UnsignedToken(),
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Api_InvalidBearer_401(string token)
    {
        using var portal = fixture.CreateClient(token);

        var response = await portal.GetAsync("/api/servers");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_NoBearer_401AndValidBearer_200()
    {
        using var anonymous = fixture.CreateClient();
        using var user = fixture.CreateClient(TestTokens.For("auth-valid"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/servers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/dev/runtimes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/servers")).StatusCode);
    }

    [Fact]
    public async Task DevToken_OffByDefault_RouteDoesNotExist()
    {
        using var anonymous = fixture.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/dev-token", new { userId = "mallory", @operator = true });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DevToken_WhenAllowed_MintsATokenTheApiAccepts()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, TimeProvider.System, extra: new Dictionary<string, string?> { ["Auth:AllowDevTokens"] = "true" });
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Urls.First()) };

        var minted = await http.PostAsJsonAsync("/api/dev-token", new { userId = "local-dev", @operator = true });
        var token = (await minted.Content.ReadFromJsonAsync<DevTokenResponse>(Json.Options))!.Token;
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var adminList = await http.GetAsync("/api/admin/containers");

        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminList.StatusCode);
    }

    [Fact]
    public async Task MintTokenCommand_ConfiguredKey_PrintsTokenTheGatewayAccepts()
    {
        var overrides = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = TestTokens.Issuer,
            ["Auth:Audience"] = TestTokens.Audience,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
        }).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = MintTokenCommand.Run(["mint-token", "cli-ops", "--operator", "--lifetime", "00:10:00"], output, error, overrides);
        using var ops = fixture.CreateClient(output.ToString().Trim());

        Assert.Equal(0, exit);
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync("/api/admin/containers")).StatusCode);
    }

    [Fact]
    public void MintTokenCommand_BadArguments_UsageAndNonZeroExit()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, MintTokenCommand.Run(["mint-token"], output, error));
        Assert.Equal(2, MintTokenCommand.Run(["mint-token", "bob", "--lifetime", "soon"], output, error));
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Start_ShortSigningKey_FailsValidation()
    {
        var error = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => GatewayFixture.StartGatewayAsync(fixture.Client, TimeProvider.System, extra: new Dictionary<string, string?> { ["Auth:SigningKey"] = "too-short" }));

        Assert.Contains("SigningKey", error.Message, StringComparison.Ordinal);
    }

    private static string UnsignedToken()
    {
        static string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part(new { alg = "none", typ = "JWT" }) + "." + Part(new { sub = "auth-user", iss = TestTokens.Issuer, aud = TestTokens.Audience, nbf = now - 60, exp = now + 3600, role = "operator" }) + ".";
    }
}
