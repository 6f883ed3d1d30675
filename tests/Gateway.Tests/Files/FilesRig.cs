using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ZlhGrind.Agent.Files;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>
/// A container provisioned through the real gateway whose agent side is the agent's real <see cref="FilesRelay"/> over
/// a real directory (<see cref="Root"/>), registered with the fixture's cluster with the agent's credential; beside
/// the root, <see cref="Outside"/> is a directory the tenant must never reach.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class FilesRig : IAsyncDisposable
{
    private readonly GatewayFixture _fixture;
    private readonly string _directory;
    private FilesRelay? _relay;
    private IFilesAgent? _reference;

    private FilesRig(GatewayFixture fixture, long id, string owner, string prefix, string directory)
    {
        _fixture = fixture;
        Id = id;
        Owner = owner;
        Prefix = prefix;
        _directory = directory;
        Root = Path.Combine(directory, "root");
        Outside = Path.Combine(directory, "outside");
        System.IO.Directory.CreateDirectory(Root);
        System.IO.Directory.CreateDirectory(Outside);
    }

    public long Id { get; }

    public string Owner { get; }

    /// <summary>"/api/servers/{id}" or "/api/dev/{id}".</summary>
    public string Prefix { get; }

    public string Root { get; }

    public string Outside { get; }

    /// <summary>The agent's own state directory beside the root (the mods manifest).</summary>
    public string State => Path.Combine(_directory, "state");

    public FilesRelay Relay => _relay ?? throw new InvalidOperationException("The agent side is not started.");

    /// <summary>
    /// Provisions a game server (or a dev container) for <paramref name="owner"/> from <paramref name="template"/> with
    /// <paramref name="diskMb"/>; with <paramref name="connect"/> its agent side registers, under <paramref name="quotaBytes"/>
    /// when given, else under the policy the agent takes from the container's desired spec (quota, denylist, mods directory).
    /// </summary>
    public static async Task<FilesRig> StartAsync(GatewayFixture fixture, string owner, bool dev = false, bool connect = true, long? quotaBytes = null, int? diskMb = null, string template = "generic")
    {
        ProvisionResult? result;
        if (dev)
        {
            using var operatorPortal = fixture.CreateClient(TestTokens.For("files-operator", isOperator: true));
            var created = await operatorPortal.PostAsJsonAsync("/api/dev", new { ownerId = owner, runtime = "node", version = "22.1.0", enableCodeServer = false, diskMb });
            result = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        }
        else
        {
            using var portal = fixture.CreateClient(TestTokens.For(owner));
            var created = await portal.PostAsJsonAsync("/api/servers", new { template, startCommand = "sh run.sh", stopCommand = "stop", memoryMb = 1024, diskMb });
            result = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("zlh-files-test-").FullName;
        var rig = new FilesRig(fixture, result!.ContainerId, owner, (dev ? "/api/dev/" : "/api/servers/") + result.ContainerId, directory);
        if (connect)
        {
            await rig.ConnectAsync(result.AgentCredential, quotaBytes);
        }

        return rig;
    }

    public HttpClient Portal(string? user = null, bool isOperator = false) => _fixture.CreateClient(TestTokens.For(user ?? Owner, isOperator));

    /// <summary>Completes when the agent has ended (finished, refused or aborted) its next write.</summary>
    public Task<string> NextWriteEnded()
    {
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string id)
        {
            Relay.WriteEnded -= Handler;
            ended.TrySetResult(id);
        }

        Relay.WriteEnded += Handler;
        return ended.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null)
        {
            _fixture.Client.DeleteObjectReference<IFilesAgent>(_reference!);
            await _relay.DisposeAsync();
        }

        System.IO.Directory.Delete(_directory, recursive: true);
    }

    private async Task ConnectAsync(string credential, long? quotaBytes)
    {
        // The agent's outgoing filter does this in the agent process; here it is set on this flow only.
        RequestContext.Set(CallContextKeys.AgentContainerId, Id);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
        var policy = new FileRootPolicy(quotaBytes, []);
        if (quotaBytes is null)
        {
            // What the agent does when the spec arrives: the policy comes from the desired spec the silo holds.
            IContainerGrain container = Prefix.StartsWith("/api/dev/", StringComparison.Ordinal)
                ? _fixture.Client.GetGrain<Grains.DevContainers.IDevContainerGrain>(Id)
                : _fixture.Client.GetGrain<Grains.GameServers.IGameServerGrain>(Id);
            var desired = await container.GetDesiredSpecAsync();
            policy = desired.Game is { } game ? FileRootPolicy.For(game.Spec) : FileRootPolicy.For(desired.Dev!.Spec);
        }

        _relay = new FilesRelay(FileRootSource.Fixed(Root, policy, State), new FilesOptions(), TimeProvider.System, NullLogger.Instance);
        _reference = _fixture.Client.CreateObjectReference<IFilesAgent>(_relay);
        await _fixture.Client.GetGrain<IFilesGrain>(Id).ConnectAgentAsync(_reference);
        RequestContext.Clear();
    }
}
