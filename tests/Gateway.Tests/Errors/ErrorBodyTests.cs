using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ZlhGrind.Gateway.Errors;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Errors;

[Collection(GatewayCollection.Name)]
public sealed class ErrorBodyTests(GatewayFixture fixture)
{
    private const string GamePath = "/api/servers";

    [Theory]
    [InlineData("text/event-stream")]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("application/json")]
    public async Task Status_UnknownContainerAnyAccept_404ProblemJson(string accept)
    {
        using var portal = fixture.CreateClient(TestTokens.For("errors-accept"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/servers/555555554/status");
        request.Headers.Accept.ParseAdd(accept);

        using var response = await portal.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal("No such container.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Events_StrangersContainerAsEventStream_404ProblemJson()
    {
        var (id, _) = await fixture.ProvisionDevAsync("errors-sse-owner");
        using var stranger = fixture.CreateClient(TestTokens.For("errors-sse-stranger"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/servers/{id}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await stranger.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No such container.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":\"1024\"}", "Field 'memoryMb' must be a whole number written without quotes.")]
    [InlineData("{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":1.5}", "Field 'memoryMb' must be a whole number written without quotes.")]
    [InlineData("{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":99999999999999999999}", "Field 'memoryMb' must be a whole number written without quotes.")]
    [InlineData("{\"template\":7,\"startCommand\":\"x\",\"memoryMb\":512}", "Field 'template' must be a string.")]
    [InlineData("{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":512,\"colour\":\"red\"}", "Unknown field 'colour'.")]
    [InlineData("{\"template\":\"mc\",\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":512}", "Field 'template' appears more than once.")]
    [InlineData("{not json", "The request body is not valid JSON (line 1, byte 2).")]
    [InlineData("[]", "The request body must be a JSON object.")]
    [InlineData("", "A JSON body is required.")]
    public async Task ProvisionGame_BadJson_400WithHumanMessageAndNoTypeNames(string body, string detail)
    {
        using var portal = fixture.CreateClient(TestTokens.For("errors-json"));
        var before = await portal.GetStringAsync(GamePath);

        using var response = await portal.PostAsync(GamePath, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        var problem = JsonDocument.Parse(text).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("ZlhGrind", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.Equal(before, await portal.GetStringAsync(GamePath));
    }

    [Fact]
    public async Task ProvisionGame_WrongContentType_415Problem()
    {
        using var portal = fixture.CreateClient(TestTokens.For("errors-415"));

        using var response = await portal.PostAsync(GamePath, new StringContent("{\"template\":\"mc\",\"startCommand\":\"x\",\"memoryMb\":512}", Encoding.UTF8, "text/plain"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Send the body as application/json.", problem.GetProperty("detail").GetString());
        Assert.Equal("[]", await portal.GetStringAsync(GamePath));
    }

    [Fact]
    public async Task ProvisionGame_OversizedBody_413SaysTheLimit()
    {
        using var portal = fixture.CreateClient(TestTokens.For("errors-413"));
        var body = "{\"template\":\"" + new string('m', 9000) + "\",\"startCommand\":\"x\",\"memoryMb\":1}";

        using var response = await portal.PostAsync(GamePath, new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("The request body is larger than the 8192 bytes this route accepts.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Api_NoBearerAsHtml_401ProblemJson()
    {
        using var anonymous = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, GamePath);
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await anonymous.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Unauthorized", problem.GetProperty("title").GetString());
        Assert.Equal("A valid bearer token is required.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public void Describe_UnknownEnumValue_NamesTheAcceptedValues()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) } };

        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<KindBody>("{\"kind\":\"Alien\"}", options));

        Assert.Equal("Field 'kind' must be one of Game, Dev.", BadRequestDescription.Describe(error, typeof(KindBody)));
    }

    private sealed record KindBody(ContainerKind Kind);
}
