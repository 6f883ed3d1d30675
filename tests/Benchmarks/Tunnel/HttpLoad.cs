using System.Diagnostics;
using System.Net;
using ZlhGrind.Benchmarks.Measuring;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>
/// The load generator for the tunnel scenarios, identical for every variant: one pooled HTTP/1.1 client per
/// variant, a GET per request with the cookie header, the body read to the end. Any answer but 200 fails the
/// round, so a proxy that refuses quickly can never pass for a fast one.
/// </summary>
internal sealed class HttpLoad : IDisposable
{
    private readonly HttpClient _client;

    public HttpLoad(int maxConnections)
    {
        _client = new HttpClient(
            new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                MaxConnectionsPerServer = maxConnections,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>Closed loop: <paramref name="concurrency"/> callers, each sending its next request when the last one is read; returns requests per second.</summary>
    public async Task<double> ThroughputAsync(IReadOnlyList<HttpTarget> targets, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        long completed = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var callers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var buffer = new byte[16 * 1024];
            for (var i = worker; Stopwatch.GetTimestamp() < end; i += concurrency)
            {
                await GetAsync(targets[i % targets.Count], buffer, cancellationToken);
                Interlocked.Increment(ref completed);
            }
        });
        await Task.WhenAll(callers);
        return Interlocked.Read(ref completed) / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Sends one request to every target, <paramref name="concurrency"/> at a time (a warm-up pass over a large fleet).</summary>
    public async Task VisitEachAsync(IReadOnlyList<HttpTarget> targets, int concurrency, CancellationToken cancellationToken)
    {
        var next = -1;
        var callers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var buffer = new byte[16 * 1024];
            for (var i = Interlocked.Increment(ref next); i < targets.Count; i = Interlocked.Increment(ref next))
            {
                await GetAsync(targets[i], buffer, cancellationToken);
            }
        });
        await Task.WhenAll(callers);
    }

    /// <summary>Open loop at a fixed rate (requests spread evenly, none waiting for another); latency from the send.</summary>
    public async Task<LatencyRecorder> LatencyAsync(IReadOnlyList<HttpTarget> targets, double perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var calls = new List<Task>();
        await Task.Factory.StartNew(
            () =>
            {
                var total = (long)(perSecond * duration.TotalSeconds);
                var ticksPerRequest = Stopwatch.Frequency / perSecond;
                var start = Stopwatch.GetTimestamp();
                long sent = 0;
                while (sent < total)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerRequest) + 1);
                    for (; sent < due; sent++)
                    {
                        calls.Add(TimedGetAsync(targets[(int)(sent % targets.Count)], recorder, cancellationToken));
                    }

                    Thread.Sleep(1);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return recorder;
    }

    public void Dispose() => _client.Dispose();

    private async Task TimedGetAsync(HttpTarget target, LatencyRecorder recorder, CancellationToken cancellationToken)
    {
        var sentAt = Stopwatch.GetTimestamp();
        await GetAsync(target, new byte[16 * 1024], cancellationToken);
        recorder.Record(sentAt);
    }

    private async Task GetAsync(HttpTarget target, byte[] buffer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
        if (target.Cookie is not null)
        {
            request.Headers.Add("Cookie", target.Cookie);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {target.Url} answered {(int)response.StatusCode}, not 200: the variant is not set up right");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        while (await body.ReadAsync(buffer, cancellationToken) > 0)
        {
            // Read to the end, as a browser would.
        }
    }
}
