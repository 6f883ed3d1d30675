using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Streams;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.Watch;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>
/// The issue-17 scenario on real silo hosts: an agent connects, the silo restarts on the same storage, the agent never
/// comes back, and nothing but the cluster's own watch touches the container.
/// </summary>
internal static class WatchRestart
{
    public static async Task<(ContainerEvent Published, DateTimeOffset RestartedAt)> SilentAgentAfterRestartAsync(IConfiguration configuration, long gameId, string? postgres = null, string clusterId = "zlh-test")
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        await using (var silo = await LocalSilo.StartAsync(configuration, postgres, clusterId, time: time))
        {
            await using var gateway = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey)), clusterId);
            var provisioned = await gateway.Client.GetGrain<IGameServerGrain>(gameId).ProvisionAsync(Alice, Minecraft);
            await using var agent = await silo.ConnectAsync(c => c.AddOutgoingGrainCallFilter(new AgentCredentialCallFilter(gameId, provisioned.AgentCredential)), clusterId);
            var game = agent.Client.GetGrain<IGameServerGrain>(gameId);
            var observer = agent.Client.CreateObjectReference<IAgentObserver>(new RecordingObserver());
            await game.ConnectAgentAsync(new AgentHello(Guid.NewGuid(), "test", time.GetUtcNow()), observer);
            await game.HeartbeatAsync(Heartbeat(Guid.NewGuid()));
        }

        var restartedAt = time.GetUtcNow();
        await using (var silo = await LocalSilo.StartAsync(configuration, postgres, clusterId, time: time))
        {
            await using var gateway = await silo.ConnectAsync(
                c =>
                {
                    c.AddOutgoingGrainCallFilter(new ServiceKeyCallFilter(CallAs.ServiceKey));
                    c.AddMemoryStreams(ContainerEvents.StreamProvider);
                },
                clusterId);
            var unreachable = new TaskCompletionSource<ContainerEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stream = gateway.Client.GetStreamProvider(ContainerEvents.StreamProvider).GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, gameId));
            await stream.SubscribeAsync((e, _) =>
            {
                if (e.Kind == ContainerEventKind.ConnectivityChanged)
                {
                    unreachable.TrySetResult(e);
                }

                return Task.CompletedTask;
            });

            // The barrier: this silo swept every partition once, so the watch brought the container back at restartedAt.
            await silo.Services.GetRequiredService<ConnectivitySweeper>().FirstSweep.WaitAsync(TimeSpan.FromSeconds(30));
            time.Advance(TimeSpan.FromSeconds(16));
            return (await unreachable.Task.WaitAsync(TimeSpan.FromSeconds(30)), restartedAt);
        }
    }
}
