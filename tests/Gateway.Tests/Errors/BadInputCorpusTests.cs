using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Errors;

/// <summary>
/// Every route the gateway maps (read from its endpoint data source, so a new route is covered without touching this
/// test), sent what a hostile or confused client sends: bad, expired, forged and other users' tokens or none, ids that
/// are not vmids, malformed, oversized and mistyped JSON, under every Accept. Nothing may answer 5xx, and no body may
/// carry the bearer token, a header the client sent, a stack trace or one of our type names.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class BadInputCorpusTests(GatewayFixture fixture)
{
    private const string Owner = "corpus-owner";
    private const string EchoHeader = "X-Corpus-Echo";
    private const int MaxBodyBytes = 8192;
    private const int MaxRequests = 12_000; // grows with the route table (mods, usage, updates); about 13 s at 9,400

    private static readonly string?[] Accepts = ["application/json", "text/event-stream", "text/html", "application/xml", "*/*", null];
    private static readonly string[] BadIds = ["abc", "99", "-1", "1000000000", "99999999999999999999999", "555555553", "1e3"];

    // Bodies a client should send, per route; any other route gets "{}" and the variations below.
    private static readonly Dictionary<string, string> ValidBodies = new(StringComparer.Ordinal)
    {
        ["/api/servers"] = "{\"template\":\"generic\",\"startCommand\":\"java -jar server.jar\",\"memoryMb\":1024}",
        ["/api/dev"] = "{\"runtime\":\"node\",\"enableCodeServer\":false}",
        ["/api/servers/{id}/power"] = "{\"action\":\"stop\"}",
        ["/api/dev/runtimes"] = "{\"name\":\"corpus\",\"version\":\"1.0.0\"}",
        ["/api/dev/runtimes/{name}/promote"] = "{\"version\":\"0.0.0-corpus\"}",
        ["/api/dev-token"] = "{\"userId\":\"corpus-dev-token\"}",
    };

    private static readonly string[] MalformedBodies = ["{not json", "[]", "", "null", "{\"a\":", "\"text\"", "{\"memoryMb\":1e400}"];

    [Fact]
    public async Task EveryRoute_HostileInputUnderEveryAccept_No5xxNoSecretsNoTypeNames()
    {
        var logs = new CapturingSink();
        await using var gateway = await GatewayFixture.StartGatewayAsync(
            fixture.Client,
            fixture.Clock,
            logs,
            extra: new Dictionary<string, string?> { ["Auth:AllowDevTokens"] = "true" },
            args: ["--environment", "Development"]);
        var routes = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: Normalize(e.RoutePattern.RawText))))
            .Append(("GET", "/__ide/{id}/"))
            .Distinct()
            .ToList();

        var game = await ProvisionGameAsync();
        var (dev, _) = await fixture.ProvisionDevAsync(Owner);
        var tokens = new (string Name, string? Token)[]
        {
            ("none", null),
            ("garbage", "not-a-jwt"),
            ("expired", TestTokens.For(Owner, lifetime: TimeSpan.FromMinutes(1), notBefore: DateTime.UtcNow.AddMinutes(-10))),
            ("forged", TestTokens.For(Owner, isOperator: true, signingKey: "an-attackers-signing-key-0123456789-abcdef")),
            ("other issuer", TestTokens.For(Owner, issuer: "someone-else")),
            ("other user", TestTokens.For("corpus-stranger")),
            ("owner", TestTokens.For(Owner)),
            ("operator", TestTokens.For("corpus-operator", isOperator: true)),
        };
        var ownerToken = tokens[^2].Token;

        var cases = new List<Case>();
        foreach (var (method, pattern) in routes)
        {
            var hasId = pattern.Contains("{id}", StringComparison.Ordinal);
            var ownId = pattern.StartsWith("/api/dev", StringComparison.Ordinal) || pattern.StartsWith("/__ide", StringComparison.Ordinal) ? dev : game;
            var path = Fill(pattern, ownId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var hasBody = method is "POST" or "PUT" or "PATCH";
            var valid = hasBody ? ValidBodies.GetValueOrDefault(pattern, "{}") : null;
            foreach (var accept in Accepts)
            {
                foreach (var (_, token) in tokens)
                {
                    cases.Add(new Case(method, path, token, accept, valid, "application/json"));
                }

                // An enum-like query value nobody accepts (the listing's kind filter; ignored elsewhere).
                cases.Add(new Case(method, path + "?kind=Alien", ownerToken, accept, valid, "application/json"));

                if (hasId)
                {
                    cases.AddRange(BadIds.Select(id => new Case(method, Fill(pattern, id), ownerToken, accept, valid, "application/json")));
                }

                if (hasBody)
                {
                    cases.AddRange(BodyVariations(valid!).Select(body => new Case(method, path, ownerToken, accept, body, "application/json")));
                    cases.Add(new Case(method, path, ownerToken, accept, valid, "text/plain"));
                    cases.Add(new Case(method, path, ownerToken, accept, "{\"pad\":\"" + new string('x', MaxBodyBytes) + "\"}", "application/json"));
                }
            }
        }

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(gateway.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, cancel) =>
        {
            int status;
            string? problem;
            try
            {
                (status, problem) = await SendAsync(http, c, cancel);
            }
            catch (HttpRequestException exception)
            {
                (status, problem) = (0, "no answer: " + exception.Message + " " + exception.InnerException?.Message);
            }

            statuses.AddOrUpdate(status, 1, static (_, n) => n + 1);
            if (problem is not null)
            {
                failures.Enqueue($"{c.Method} {c.Path} [{c.Accept ?? "no Accept"}, {(c.Token is null ? "no token" : "token")}, body {Describe(c.Body)} as {c.ContentType}] → {status}: {problem}");
            }
        });

        Assert.True(cases.Count <= MaxRequests, $"{cases.Count} requests: keep the corpus bounded");
        Assert.Contains(("GET", "/api/servers/{id}/events"), routes);
        Assert.Contains(("POST", "/api/dev-token"), routes);
        Assert.True(routes.Count >= 19, $"only {routes.Count} routes found");
        var errors = logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => e.RenderMessage() + " " + e.Exception).ToList();
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} responses broke the error model:\n" + string.Join('\n', failures.Take(40)) + "\nlogged errors:\n" + string.Join('\n', errors.Take(5)));
        Assert.DoesNotContain(statuses.Keys, s => s >= 500);
        Assert.Empty(errors);
    }

    private static async Task<(int Status, string? Problem)> SendAsync(HttpClient http, Case c, CancellationToken cancel)
    {
        var echo = "corpus-echo-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        request.Headers.TryAddWithoutValidation(EchoHeader, echo);
        if (c.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Token);
        }

        if (c.Accept is not null)
        {
            request.Headers.Accept.ParseAdd(c.Accept);
        }

        if (c.Body is not null)
        {
            request.Content = new StringContent(c.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(c.ContentType);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var body = mediaType == "text/event-stream" && status == 200
            ? await FirstEventAsync(response, cancel)
            : await response.Content.ReadAsStringAsync(cancel);

        if (status >= 500)
        {
            return (status, "a server error");
        }

        if (c.Token is not null && body.Contains(c.Token, StringComparison.Ordinal))
        {
            return (status, "the body echoes the bearer token");
        }

        if (body.Contains(echo, StringComparison.Ordinal))
        {
            return (status, "the body echoes a request header");
        }

        // The agent program's file name, which /api/agent-setup prints for operators, names a file, not our code.
        var scanned = body.Replace("ZlhGrind.Agent.dll", "", StringComparison.Ordinal);
        if (scanned.Contains("   at ", StringComparison.Ordinal) || scanned.Contains("ZlhGrind.", StringComparison.Ordinal) || scanned.Contains("System.", StringComparison.Ordinal))
        {
            return (status, "the body names our code: " + body[..Math.Min(body.Length, 300)]);
        }

        // Errors of the API (the bootstrap's and the tunnel's are HTML pages for a browser tab) are problem details.
        var isApi = c.Path.StartsWith("/api/", StringComparison.Ordinal) && !IdeBootstrapPath().IsMatch(c.Path.Split('?')[0]);
        if (isApi && status >= 400)
        {
            if (mediaType != "application/problem+json")
            {
                return (status, $"an error as {mediaType ?? "no content type"}");
            }

            var problem = JsonDocument.Parse(body).RootElement;
            if (problem.GetProperty("status").GetInt32() != status || string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()))
            {
                return (status, "a problem without its status or title: " + body);
            }
        }

        return (status, null);
    }

    private static async Task<string> FirstEventAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        // A live stream never ends; its first event (the status document) is what a client reads first.
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        var text = new StringBuilder();
        string? line;
        while ((line = await reader.ReadLineAsync(cancel)) is { Length: > 0 })
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }

    /// <summary>The valid body with each member in turn given an unknown value and the wrong type, plus an unknown member and the malformed set.</summary>
    private static IEnumerable<string> BodyVariations(string valid)
    {
        var members = JsonNode.Parse(valid)!.AsObject().Select(p => p.Key).ToList();
        foreach (var member in members)
        {
            // An unknown value of the right type: an action, a runtime or a version nobody knows.
            var unknownValue = JsonNode.Parse(valid)!.AsObject();
            if (unknownValue[member]?.GetValueKind() == JsonValueKind.String)
            {
                unknownValue[member] = "no-such-" + member;
                yield return unknownValue.ToJsonString();
            }

            var wrong = JsonNode.Parse(valid)!.AsObject();
            wrong[member] = wrong[member]?.GetValueKind() switch
            {
                JsonValueKind.String => JsonValue.Create(12345678901234567890m),
                JsonValueKind.Number => JsonValue.Create("1024"),
                JsonValueKind.True or JsonValueKind.False => JsonValue.Create("yes"),
                _ => new JsonObject(),
            };
            yield return wrong.ToJsonString();
        }

        var unknown = JsonNode.Parse(valid)!.AsObject();
        unknown["unexpected"] = "surprise";
        yield return unknown.ToJsonString();
        foreach (var body in MalformedBodies)
        {
            yield return body;
        }
    }

    private static string Normalize(string? pattern)
    {
        var text = RouteParameter().Replace(pattern ?? "/", m => "{" + m.Groups["name"].Value + "}");
        return text.Length > 1 ? text.TrimEnd('/') : text;
    }

    private static string Fill(string pattern, string id) => pattern
        .Replace("{id}", id, StringComparison.Ordinal)
        .Replace("{action}", "restart", StringComparison.Ordinal)
        .Replace("{name}", "corpus-none", StringComparison.Ordinal);

    private static string Describe(string? body) => body is null ? "none" : body.Length > 60 ? body[..60] + "…" : body;

    private async Task<long> ProvisionGameAsync()
    {
        using var portal = fixture.CreateClient(TestTokens.For(Owner));
        var response = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "java -jar server.jar", memoryMb = 1024 });
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!.ContainerId;
    }

    [GeneratedRegex(@"\{\*{0,2}(?<name>\w+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"^/api/dev/[^/]+/ide$")]
    private static partial Regex IdeBootstrapPath();

    private sealed record Case(string Method, string Path, string? Token, string? Accept, string? Body, string ContentType);
}
