using System.Net;
using System.Net.Sockets;
using ZlhGrind.Agent.Supervision;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Testing;

namespace ZlhGrind.Agent.Tests.Supervision;

/// <summary>The UDP readiness probe: a template-given datagram to the port, any reply is ready; silence or ICMP is not yet.</summary>
public sealed class UdpReadinessTests : IDisposable
{
    // A Source engine A2S_INFO query: what a game whose only protocol is UDP answers.
    private const string QueryHex = "ffffffff54536f7572636520456e67696e6520517565727900";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_UdpProbe_RunningOnlyOnceThePortAnswersTheDatagram()
    {
        await using var harness = Harness();
        var port = FreePorts.Next();
        var supervisor = await StartedAsync(harness, port);

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("listening soon", StringComparison.Ordinal), Wait.Patience, "the server started");
        Assert.Equal(GameServerState.Starting, supervisor.State);

        // The "server" answers on its port: a real UDP socket on loopback that echoes every datagram (a probe that gave up
        // waiting on a loaded machine is followed by another, which must be answered too).
        using var server = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
        using var stop = new CancellationTokenSource();
        var first = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var echo = Task.Run(async () =>
        {
            while (true)
            {
                var datagram = await server.ReceiveAsync(stop.Token);
                first.TrySetResult(datagram.Buffer);
                await server.SendAsync(datagram.Buffer, datagram.RemoteEndPoint, stop.Token);
            }
        });
        await harness.Events.StateAsync(GameServerState.Running);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => echo);

        Assert.Equal(Convert.FromHexString(QueryHex), await first.Task);
        Assert.Equal($"ready: port {port} answers UDP", harness.Events.All.OfType<GameStateChanged>().Last().Reason);
        await supervisor.PowerAsync(PowerAction.Kill, CancellationToken.None);
    }

    [Fact]
    public async Task Start_UdpProbeNeverAnswered_StartTimeoutCrash()
    {
        await using var harness = Harness();
        var port = FreePorts.Next();
        var supervisor = await StartedAsync(harness, port);

        await supervisor.PowerAsync(PowerAction.Start, CancellationToken.None);
        await Wait.UntilAsync(() => supervisor.ReadLogTail().Contains("listening soon", StringComparison.Ordinal), Wait.Patience, "the server started");

        // First nothing listens (the kernel answers ICMP port-unreachable), then a socket that reads but never replies.
        using (var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, port)))
        {
            var probe = await silent.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(Wait.Patience);
            Assert.Equal(Convert.FromHexString(QueryHex), probe.Buffer);
            Assert.Equal(GameServerState.Starting, supervisor.State);
            harness.Time.Advance(StartTimeout);
            var crash = await harness.Events.CrashAsync(1);

            Assert.Equal(CrashClassification.StartTimeout, crash.Classification);
        }

        Assert.DoesNotContain(harness.Events.States, state => state == GameServerState.Running);
        await supervisor.PowerAsync(PowerAction.Stop, CancellationToken.None);
    }

    private SupervisorHarness Harness() => new(_dir, new SupervisionOptions { ReadinessPollInterval = TimeSpan.FromMilliseconds(20) });

    private async Task<GameSupervisor> StartedAsync(SupervisorHarness harness, int port)
    {
        var script = _dir.Script("server.sh", "echo listening soon; while read line; do :; done");
        var spec = ReadinessTests.Templated("sh " + script, [], readyPattern: null, readyPort: port);
        var supervisor = harness.Create();
        supervisor.Configure(spec with { Launch = spec.Launch! with { ReadyUdpPayloadHex = QueryHex } });
        await supervisor.StartAsync();
        return supervisor;
    }
}
