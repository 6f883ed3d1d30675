using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Xunit.Abstractions;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Testing;

namespace ZlhGrind.Gateway.Tests.Cluster;

/// <summary>
/// Issue 17: a silo and a gateway on a PostgreSQL server of the test's own (membership, grain state), which is stopped
/// for 10 s and started again while the API is provisioning and reading and an agent keeps reporting crashes.
/// </summary>
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private const string Owner = "pg-restart-owner";
    private const int MaxCrashes = 40;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Longest the API and the agent may take to work again after PostgreSQL is back (pools reopen, calls time out once).</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    /// <summary>Pace of each load loop: the point is traffic across the outage, not throughput.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);

    /// <summary>One crash a second from the agent, so the history (50) never cuts one off.</summary>
    private static readonly TimeSpan CrashPace = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Api_PostgresStoppedTenSecondsUnderLoad_AnswersOnly2xxOr503WithRetryAfterAndLosesNoCrashRecord()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await postgres.ApplySchemaAsync();
        var clusterId = "pgr-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = GatewayFixture.ServiceKey,
            ["Storage:Provider"] = "Postgres",
            ["Storage:ConnectionString"] = postgres.ConnectionString,
        }).Build();
        await using var silo = await LocalSilo.StartAsync(configuration, postgres.ConnectionString, clusterId);
        await using var client = await silo.ConnectAsync(c =>
        {
            ClusterExtensions.ConfigureGatewayClient(c, GatewayFixture.ServiceKey);
            c.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        }, clusterId);
        var app = await GatewayFixture.StartGatewayAsync(client.Client, TimeProvider.System);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Owner));
            var provisioned = await ProvisionAsync(http);
            var game = client.Client.GetGrain<IGameServerGrain>(provisioned.ContainerId);
            var credential = provisioned.AgentCredential;

            var answers = new ConcurrentQueue<(string Request, HttpStatusCode Status, string? RetryAfter, TimeSpan At)>();
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var reporter = new CrashReporter(game, credential);
            var load = Task.WhenAll(
                LoopAsync("POST /api/servers", () => http.PostAsJsonAsync("/api/servers", ProvisionBody), answers, clock, stop.Token),
                LoopAsync("GET status", () => http.GetAsync($"/api/servers/{game.GetPrimaryKeyLong()}/status"), answers, clock, stop.Token),
                LoopAsync("GET crashes", () => http.GetAsync($"/api/servers/{game.GetPrimaryKeyLong()}/crashes"), answers, clock, stop.Token),
                reporter.RunAsync(stop.Token));

            await reporter.AckedAsync(1).WaitAsync(RecoveryBound);
            await postgres.StopAsync();
            var stoppedAt = clock.Elapsed;

            // The scenario's own length: the database stays away this long while the loops keep going.
            await Task.Delay(Outage);
            await postgres.StartAgainAsync();
            var startedAt = clock.Elapsed;
            var sentBeforeRestart = reporter.Sent;

            // Recovered: a provisioning (which writes) succeeds, and a crash sent after the restart is acknowledged.
            await reporter.AckedAsync(sentBeforeRestart + 1).WaitAsync(RecoveryBound);
            await WaitForAsync(() => answers.Any(a => a.Request.StartsWith("POST", StringComparison.Ordinal) && a.Status == HttpStatusCode.Created && a.At > startedAt)).WaitAsync(RecoveryBound);
            var recoveredAt = clock.Elapsed;
            await stop.CancelAsync();
            await load;

            var sent = reporter.Sent;
            var history = await CrashesAsync(game);
            output.WriteLine($"PostgreSQL down {startedAt - stoppedAt:g}; API and agent working again {recoveredAt - startedAt:g} after it started; {answers.Count} answers: "
                + string.Join(", ", answers.GroupBy(a => (a.Request, a.Status)).OrderBy(g => g.Key.Request).Select(g => $"{g.Key.Request} {(int)g.Key.Status} ×{g.Count()}"))
                + $"; {sent} crashes sent, {reporter.FailedAttempts} report attempts failed (last: {reporter.LastFailure})");

            Assert.DoesNotContain(answers, a => a.Status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable));
            Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable && a.At > stoppedAt && a.At < startedAt);
            Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.Equal("5", a.RetryAfter));

            // Every crash the agent had acknowledged, in order, none twice.
            Assert.InRange(sent, sentBeforeRestart + 1, MaxCrashes);
            Assert.Equal(Enumerable.Range(1, sent).Reverse().ToArray(), history.Select(c => c.ExitCode!.Value).ToArray());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static readonly object ProvisionBody = new { template = "generic", startCommand = "java -jar server.jar nogui", stopCommand = "stop", memoryMb = 2048 };

    private static async Task<ProvisionResult> ProvisionAsync(HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/api/servers", ProvisionBody);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ProvisionResult>(Json.Options))!;
    }

    private static async Task<IReadOnlyList<CrashRecord>> CrashesAsync(IGameServerGrain game)
    {
        return await game.GetCrashesAsync(new Actor(Owner, false));
    }

    /// <summary>Sends one request after another until stopped, recording every answer (a request that did not finish in time counts as none).</summary>
    private static async Task LoopAsync(string name, Func<Task<HttpResponseMessage>> send, ConcurrentQueue<(string, HttpStatusCode, string?, TimeSpan)> answers, Stopwatch clock, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using (var response = await send())
            {
                answers.Enqueue((name, response.StatusCode, response.Headers.RetryAfter?.ToString(), clock.Elapsed));
            }

            await Pause(Pace, stop);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Pause(Pace, CancellationToken.None);
        }
    }

    /// <summary>Pacing of a load loop (not a synchronization): ends early when the loop is stopped.</summary>
    private static Task Pause(TimeSpan pace, CancellationToken stop) =>
        Task.Delay(pace, stop).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>An agent that reports a crash a second and sends each again until it is acknowledged, as the real agent's outbox does.</summary>
    private sealed class CrashReporter(IGameServerGrain game, string credential)
    {
        private readonly Guid _instance = Guid.NewGuid();
        private readonly object _gate = new();
        private readonly List<(int Crash, TaskCompletionSource Acked)> _waiters = [];
        private int _acked;

        public int Sent { get; private set; }

        public int FailedAttempts { get; private set; }

        public string? LastFailure { get; private set; }

        /// <summary>Completes once crash <paramref name="crash"/> (and so every one before it) is acknowledged.</summary>
        public Task AckedAsync(int crash)
        {
            lock (_gate)
            {
                if (_acked >= crash)
                {
                    return Task.CompletedTask;
                }

                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((crash, waiter));
                return waiter.Task;
            }
        }

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested && Sent < MaxCrashes)
            {
                var crash = ++Sent;
                while (!await TryReportAsync(crash))
                {
                    FailedAttempts++;
                    await Pause(Pace, CancellationToken.None);
                }

                lock (_gate)
                {
                    _acked = crash;
                    foreach (var waiter in _waiters.Where(w => w.Crash <= crash).ToArray())
                    {
                        waiter.Acked.SetResult();
                        _waiters.Remove(waiter);
                    }
                }

                await Pause(CrashPace, stop);
            }
        }

        private async Task<bool> TryReportAsync(int crash)
        {
            try
            {
                RequestContext.Set(CallContextKeys.AgentContainerId, game.GetPrimaryKeyLong());
                RequestContext.Set(CallContextKeys.AgentCredential, credential);
                var record = new CrashRecord(Guid.NewGuid(), DateTimeOffset.UnixEpoch.AddMinutes(crash), crash, null, TimeSpan.FromSeconds(crash), CrashClassification.NonzeroExit, $"crash {crash}", crash, null, false);
                var ack = await game.ReportAsync(new AgentReport(_instance, [new GameCrashed(crash, record.At, record)], 0));
                return ack.AppliedThrough >= crash;
            }
            catch (Exception exception)
            {
                // Storage or the cluster refused this attempt (whatever the type); the agent sends the same crash
                // again. A refusal that never ends fails the test by its recovery bound, naming the last reason.
                LastFailure = $"{exception.GetType().Name}: {exception.Message}";
                return false;
            }
        }
    }
}
