using System.Net;
using System.Text.Json;
using Serilog.Events;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Gateway.Tests.Cluster;

/// <summary>The gateway's own Orleans client against a real silo that first hangs a call and is then stopped.</summary>
public sealed class ClusterOutageTests
{
    private const string LostTemplate = "Cluster unreachable ({Reason}: {Detail}); API requests answer 503 until it is back";
    private const string StillLostTemplate = "Cluster still unreachable: {FailedCalls} grain calls failed in the last {Period} (down for {Outage})";
    private const string BackTemplate = "Cluster reachable again after {Outage}; {FailedCalls} grain calls failed meanwhile";
    private const int CallsWhileDown = 12;

    [Fact]
    public async Task ApiCall_SiloHangsThenStops_503WithRetryAfterWithinCallTimeoutAndOneWarningPerStateChange()
    {
        var gate = new HoldingCallFilter(nameof(IContainerRegistryGrain.ListAsync));
        var silo = await TcpSilo.StartAsync(s => s.AddIncomingGrainCallFilter(gate));
        var logs = new CapturingSink();
        var app = await silo.StartGatewayAsync(logs, extra: new Dictionary<string, string?>
        {
            ["Cluster:CallTimeout"] = "00:00:01",
            ["Cluster:RetryAfter"] = "00:00:07",
            ["Cluster:OutageSummaryInterval"] = "01:00:00",

            // Only the API's calls: the session feed's polls would add failures at their own pace.
            ["IdeTunnel:SessionFeedPollInterval"] = "00:00:00",
        });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(20) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For("outage-user"));
            http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");

            var before = await http.GetAsync("/api/servers");

            // A silo that holds the call and never answers: the request gives up after Cluster:CallTimeout.
            gate.Hold();
            var hung = await http.GetAsync("/api/servers");
            var hungProblem = JsonDocument.Parse(await hung.Content.ReadAsStringAsync()).RootElement;
            gate.Release();
            var recovered = await http.GetAsync("/api/servers");

            // The silo goes away while the gateway keeps serving.
            await silo.StopAsync();
            var down = new List<(HttpStatusCode Status, string? RetryAfter, string? ContentType)>();
            for (var i = 0; i < CallsWhileDown; i++)
            {
                using var response = await http.GetAsync("/api/servers");
                down.Add((response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Content.Headers.ContentType?.MediaType));
            }

            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, hung.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), hung.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", hung.Content.Headers.ContentType?.MediaType);
            Assert.Equal("The control plane is not reachable; try again shortly.", hungProblem.GetProperty("detail").GetString());

            // The call timeout is 1 s; with Orleans' default of 30 s the hung call would outlast this client's 20 s timeout
            // and throw instead of answering 503: an answer at all is the proof, not a stopwatch on a loaded machine.
            Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
            Assert.All(down, d => Assert.Equal((HttpStatusCode.ServiceUnavailable, "7", "application/problem+json"), d));

            // Two outages (the hung call, the stopped silo) and one recovery: three lines for 1 + 12 failed requests.
            var monitorLines = string.Join('\n', logs.Events.Where(e => SourceOf(e).EndsWith("ClusterOutageMonitor", StringComparison.Ordinal)).Select(e => e.RenderMessage()));
            Assert.True(logs.WithTemplate(LostTemplate).Count == 2, monitorLines);
            Assert.Single(logs.WithTemplate(BackTemplate));
            Assert.Empty(logs.WithTemplate(StillLostTemplate));

            // Orleans' own per-call warnings (a dead gateway per message, a broken promise per timeout) are held back.
            var warnings = logs.Events.Where(e => e.Level >= LogEventLevel.Warning).ToList();
            Assert.Equal([LostTemplate, LostTemplate], warnings.Select(e => e.MessageTemplate.Text));
            var requestLines = logs.WithTemplate("HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms")
                .Where(e => e.Properties["StatusCode"].ToString() == "503").ToList();
            Assert.Equal(CallsWhileDown + 1, requestLines.Count);
            Assert.All(requestLines, e => Assert.Equal(LogEventLevel.Information, e.Level));
        }
        finally
        {
            gate.Release();
            await silo.StopAsync();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static string SourceOf(LogEvent e) =>
        e.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string source } ? source : "";

    /// <summary>A silo-side filter that, once told to, holds calls of one method until released: a silo that stopped answering.</summary>
    private sealed class HoldingCallFilter(string method) : IIncomingGrainCallFilter
    {
        private volatile TaskCompletionSource _release = CompletedSource();

        public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == method)
            {
                await _release.Task;
            }

            await context.Invoke();
        }

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource();
            source.SetResult();
            return source;
        }
    }
}
