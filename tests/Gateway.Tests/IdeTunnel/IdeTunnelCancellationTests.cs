using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>
/// A client going away (navigation, a closed tab) is ordinary browser behaviour: logged at Debug, not counted as a
/// forward error. An upstream that fails still is. Each test runs its own gateway with the tunnel's Debug lines on,
/// so the Debug line is the barrier that the tunnel has finished with the request.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class IdeTunnelCancellationTests(GatewayFixture fixture)
{
    private const string HandlerCategory = "ZlhGrind.Gateway.IdeTunnel.IdeTunnelHandler";
    private const string ClientWentAway = "IDE tunnel to container {ContainerId} ended by the client: {ForwarderError}";
    private const string ForwardFailed = "IDE tunnel to container {ContainerId} failed: {ForwarderError}";

    [Fact]
    public async Task Proxy_ClientAbortsMidResponse_DebugOnlyAndNotCounted()
    {
        var upstreamSawAbort = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await StreamingUpstream.StartAsync(upstreamSawAbort);
        var logs = new CapturingSink();
        await using var gateway = await DebugGatewayAsync(logs);
        using var errors = new ForwardErrorCounter(gateway);
        var (id, session) = await IdeAtAsync("client-abort", upstream.Endpoint);
        var ended = logs.WhenLogged(ClientWentAway, e => e.Properties["ContainerId"].ToString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using (var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/stream");
            request.Headers.Add("Cookie", $"zlh_ide={session}");
            using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            var first = new byte[StreamingUpstream.FirstChunk.Length];
            await stream.ReadExactlyAsync(first);
            Assert.Equal(StreamingUpstream.FirstChunk, System.Text.Encoding.ASCII.GetString(first));

            // Leaving here drops the connection mid-body, as a browser does when the tab closes.
        }

        var logged = await ended.WaitAsync(TimeSpan.FromSeconds(30));
        await upstreamSawAbort.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(LogEventLevel.Debug, logged.Level);
        Assert.Equal("ResponseBodyCanceled", logged.Properties["ForwarderError"].ToString());
        Assert.DoesNotContain(logs.Events, e => e.Level >= LogEventLevel.Warning && Category(e) == HandlerCategory);
        Assert.Empty(logs.WithTemplate(ForwardFailed));
        Assert.Equal(0, errors.Total);
    }

    [Fact]
    public async Task WebSocket_ClientDropsAnOpenSocket_DebugOnlyAndNotCounted()
    {
        var logs = new CapturingSink();
        await using var gateway = await DebugGatewayAsync(logs);
        using var errors = new ForwardErrorCounter(gateway);
        var (id, session) = await IdeAtAsync("client-drops-socket", fixture.Upstream.Endpoint);
        var ended = logs.WhenLogged(ClientWentAway, e => e.Properties["ContainerId"].ToString() == id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Cookie", $"zlh_ide={session}");
            await socket.ConnectAsync(new Uri($"ws://{new Uri(gateway.Urls.First()).Authority}/__ide/{id}/echo"), CancellationToken.None);
            await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            var buffer = new byte[16];
            Assert.Equal(5, (await socket.ReceiveAsync(buffer, CancellationToken.None)).Count);

            // A closed tab: the connection goes away without a close handshake.
            socket.Abort();
        }

        var logged = await ended.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(LogEventLevel.Debug, logged.Level);
        Assert.Equal("UpgradeResponseCanceled", logged.Properties["ForwarderError"].ToString());
        Assert.DoesNotContain(logs.Events, e => e.Level >= LogEventLevel.Warning && Category(e) == HandlerCategory);
        Assert.Empty(logs.WithTemplate(ForwardFailed));
        Assert.Equal(0, errors.Total);
    }

    [Fact]
    public async Task Proxy_UpstreamResetsConnection_WarnedCountedAnd502()
    {
        using var resetting = new ResettingUpstream();
        var logs = new CapturingSink();
        await using var gateway = await DebugGatewayAsync(logs);
        using var errors = new ForwardErrorCounter(gateway);
        var (id, session) = await IdeAtAsync("upstream-reset", resetting.Endpoint);
        var failed = logs.WhenLogged(ForwardFailed);

        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(gateway.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/__ide/{id}/anything");
        request.Headers.Add("Cookie", $"zlh_ide={session}");
        using var response = await browser.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var logged = await failed.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("The container is up but its IDE did not answer.", body, StringComparison.Ordinal);
        Assert.Equal(LogEventLevel.Warning, logged.Level);
        Assert.Equal("Request", logged.Properties["ForwarderError"].ToString());
        Assert.Empty(logs.WithTemplate(ClientWentAway));
        Assert.Equal(1, errors.Total);
    }

    private static string? Category(LogEvent e) =>
        e.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string name } ? name : null;

    private async Task<(long Id, string Session)> IdeAtAsync(string user, string endpoint)
    {
        var (id, agent) = await fixture.ProvisionDevAsync(user);
        await fixture.SetAddressAsync(id, endpoint);
        await agent.BecomeReadyAsync(endpoint);
        return (id, await fixture.OpenIdeSessionAsync(user, id));
    }

    private Task<WebApplication> DebugGatewayAsync(CapturingSink logs) =>
        GatewayFixture.StartGatewayAsync(fixture.Client, fixture.Clock, logs, new Dictionary<string, string?>
        {
            [$"Serilog:MinimumLevel:Override:{HandlerCategory}"] = "Debug",
        });

    /// <summary>Sums zlh.gateway.ide.forward_errors of one gateway.</summary>
    private sealed class ForwardErrorCounter : IDisposable
    {
        private readonly MeterListener _listener;
        private long _total;

        public ForwardErrorCounter(WebApplication gateway)
        {
            var meters = gateway.Services.GetRequiredService<IMeterFactory>();
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Scope == meters && instrument.Name == "zlh.gateway.ide.forward_errors")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>An IDE that sends the first part of a response and then holds it open until the request is aborted.</summary>
    private sealed class StreamingUpstream : IAsyncDisposable
    {
        public const string FirstChunk = "first part of a long response;";

        private readonly WebApplication _app;

        private StreamingUpstream(WebApplication app, string endpoint)
        {
            _app = app;
            Endpoint = endpoint;
        }

        public string Endpoint { get; }

        public static async Task<StreamingUpstream> StartAsync(TaskCompletionSource sawAbort)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(async http =>
            {
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync(FirstChunk);
                await http.Response.Body.FlushAsync();
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    sawAbort.TrySetResult();
                }
            });
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return new StreamingUpstream(app, "127.0.0.1:" + address.Port);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>An upstream that accepts each connection and resets it (RST) as soon as the request arrives.</summary>
    private sealed class ResettingUpstream : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public ResettingUpstream()
        {
            _listener.Start();
            Endpoint = "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = ResetAllAsync();
        }

        public string Endpoint { get; }

        private async Task ResetAllAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    var buffer = new byte[4096];
                    await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
            }
            catch (OperationCanceledException)
            {
                // The test is over.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
