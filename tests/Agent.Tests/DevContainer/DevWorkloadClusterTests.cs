using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Hosting;

namespace ZlhGrind.Agent.Tests.DevContainer;

/// <summary>
/// The dev workload against the real silo: the grain's desired spec goes in, and the heartbeat and events that
/// come out make the grain report provisioningComplete, the runtime and the IDE endpoint. The calls the cluster
/// link will make are made here by hand, with the request context the agent's call filter sets.
/// </summary>
[Collection(CodeServerCollection.Name)]
public sealed class DevWorkloadClusterTests
{
    private const string ServiceKey = "agent-dev-tests-service-key-0123456789";
    private static readonly Actor Alice = new("alice", IsOperator: false);

    [Fact]
    public async Task ApplyAsync_SpecFromTheGrain_GrainReportsProvisioningCompleteAndTheIde()
    {
        await using var harness = await DevHarness.StartAsync();
        var cluster = await StartClusterAsync();
        IAgentObserver? reference = null;
        try
        {
            var client = cluster.Client;
            var entry = harness.Server.PublishRuntime("tool", "1.0.0", TestArchives.Runtime("1.0.0"));
            CallAsOperator();
            await client.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).AddAsync(entry);
            CallAsGateway();
            var id = Random.Shared.NextInt64(100, 999_999_999);
            var grain = client.GetGrain<IDevContainerGrain>(id);
            var provisioned = await grain.ProvisionAsync(Alice, new DevContainerSpec("tool", null, EnableCodeServer: true));

            var observer = new HintObserver();
            reference = client.CreateObjectReference<IAgentObserver>(observer);
            var instance = Guid.NewGuid();
            CallAsAgent(id, provisioned.AgentCredential);
            var session = await grain.ConnectAgentAsync(new AgentHello(instance, "test", DateTimeOffset.UtcNow), reference);
            await harness.Workload.StartAsync(CancellationToken.None);
            await harness.Workload.ApplyAsync(session.Spec, CancellationToken.None);
            await DeliverAsync(grain, harness, instance, id, provisioned.AgentCredential);
            CallAsGateway();
            var ready = await grain.GetStatusAsync(Alice);
            var firstPid = harness.Workload.Snapshot().Pid;

            Assert.True(ready.Dev!.ProvisioningComplete);
            Assert.Equal("Ready", ready.State);
            Assert.Equal("Running", ready.Dev.CodeServer);
            Assert.Equal($"127.0.0.1:{harness.Port}", ready.Dev.IdeEndpoint);
            Assert.Equal([new InstalledRuntime("tool", "1.0.0", true)], ready.Dev.InstalledRuntimes);
            Assert.Equal(ready.DesiredGeneration, ready.ObservedGeneration);

            await grain.CodeServerAsync(Alice, CodeServerAction.Restart);
            var hinted = await observer.Hint.WaitAsync(TimeSpan.FromSeconds(30));
            CallAsAgent(id, provisioned.AgentCredential);
            var spec = await grain.GetDesiredSpecAsync();
            await harness.Workload.ApplyAsync(spec, CancellationToken.None);
            await DeliverAsync(grain, harness, instance, id, provisioned.AgentCredential);
            CallAsGateway();
            var restarted = await grain.GetStatusAsync(Alice);

            Assert.Equal(spec.Generation, hinted);
            Assert.Equal(spec.Generation, restarted.ObservedGeneration);
            Assert.Equal("Running", restarted.Dev!.CodeServer);
            Assert.True(restarted.Dev.ProvisioningComplete);
            Assert.NotEqual(firstPid, harness.Workload.Snapshot().Pid);
        }
        finally
        {
            if (reference is not null)
            {
                cluster.Client.DeleteObjectReference<IAgentObserver>(reference);
            }

            await cluster.DisposeAsync();
        }
    }

    private static async Task DeliverAsync(IDevContainerGrain grain, DevHarness harness, Guid instance, long id, string credential)
    {
        CallAsAgent(id, credential);
        var snapshot = harness.Workload.Snapshot();
        await grain.ReportAsync(new AgentReport(instance, harness.Events.Events, DroppedEvents: 0));
        await grain.HeartbeatAsync(new Heartbeat(
            instance, snapshot.ObservedGeneration, DateTimeOffset.UtcNow, snapshot.Pid, snapshot.Uptime, 0, 0, "test", null, snapshot.Dev));
    }

    private static async Task<InProcessTestCluster> StartClusterAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:ServiceKey"] = ServiceKey,
            ["Storage:Provider"] = "Memory",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddZlhGrind(configuration));
        builder.ConfigureClient(client => client.AddMemoryStreams(ContainerEvents.StreamProvider).AddOutgoingGrainCallFilter(context =>
        {
            // The test harness's own calls to each silo's test hooks: Orleans' targets answer gateways only.
            if (context.InterfaceMethod?.DeclaringType?.Namespace == "Orleans.Runtime.TestHooks")
            {
                RequestContext.Set(CallContextKeys.ServiceKey, ServiceKey);
            }

            return context.Invoke();
        }));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static void CallAsGateway()
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.ServiceKey, ServiceKey);
    }

    private static void CallAsOperator()
    {
        CallAsGateway();
        RequestContext.Set(CallContextKeys.Operator, true);
    }

    private static void CallAsAgent(long id, string credential)
    {
        RequestContext.Clear();
        RequestContext.Set(CallContextKeys.AgentContainerId, id);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
    }

    private sealed class HintObserver : IAgentObserver
    {
        private readonly TaskCompletionSource<long> _hint = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<long> Hint => _hint.Task;

        public Task DesiredSpecChanged(long generation)
        {
            _hint.TrySetResult(generation);
            return Task.CompletedTask;
        }
    }
}
