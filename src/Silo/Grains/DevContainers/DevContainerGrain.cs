using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.Lifecycle;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>A dev container: its runtime, code-server, and the IDE tokens and sessions that open the browser IDE.</summary>
internal sealed partial class DevContainerGrain(
    [PersistentState("dev", StorageNames.Containers)] IPersistentState<DevContainerRecord> record,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    IOptions<ContainerOptions> options,
    IOptions<IdeOptions> ideOptions,
    IOptions<IdleOptions> idleOptions,
    ILogger<DevContainerGrain> logger)
    : ContainerGrainBase(ContainerKind.Dev, time, options, logger), IDevContainerGrain
{
    private readonly IdeOptions _ide = ideOptions.Value;
    private readonly IdleOptions _idle = idleOptions.Value;

    private DevContainerRecord Record => record.State;

    protected override ContainerCore Core => Record.Core;

    protected override string StateName => Record.State.ToString();

    public async Task<ProvisionResult> ProvisionAsync(Actor actor, DevContainerSpec spec)
    {
        if (spec is null || string.IsNullOrWhiteSpace(spec.Runtime))
        {
            throw new InvalidRequestException("A dev container needs a runtime.");
        }

        if (spec.IdleTimeout is { } idle && (idle < TimeSpan.Zero || idle > IdeIdle.MaxTimeout))
        {
            throw new InvalidRequestException($"The idle timeout must be between 0 (never) and {IdeIdle.MaxTimeout}.");
        }

        ZlhGrind.Grains.Files.FileLimits.CheckDiskMb(spec.DiskMb);

        RequireProvisionable(actor);

        // Resolving here makes an unknown runtime a clear 400 before anything is created.
        var entry = await GrainFactory.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).ResolveAsync(spec.Runtime, spec.Version);
        return await ProvisionCoreAsync(actor, () =>
        {
            Record.Spec = spec with { Version = entry.Version };
            Record.Runtime = entry;
            Record.State = DevContainerState.Provisioning;
            Record.CodeServerRunning = spec.EnableCodeServer;
        });
    }

    public async Task<ContainerStatus> CodeServerAsync(Actor actor, CodeServerAction action)
    {
        RequireAccess(actor);
        if (!Enum.IsDefined(action))
        {
            throw new InvalidRequestException($"Unknown code-server action {action}.");
        }

        RequireNotDeleting();

        Record.CodeServerRunning = action != CodeServerAction.Stop;
        if (action != CodeServerAction.Stop)
        {
            RestartIdleCountdown();
        }

        Record.Spec = Record.Spec! with { EnableCodeServer = Record.Spec.EnableCodeServer || action != CodeServerAction.Stop };
        Record.CodeServerRequest++;
        Record.LastCodeServerAction = action;
        await SpecChangedAsync($"code-server {action.ToString().ToLowerInvariant()} requested");
        return BuildStatus();
    }

    public async Task<ContainerStatus> UpdateAsync(Actor actor, DevContainerUpdate update)
    {
        RequireAccess(actor);
        ValidateUpdate(update);
        RequireNotDeleting();
        RequireGeneration(update.ExpectedGeneration);
        var spec = Record.Spec!;
        var entry = Record.Runtime!;
        if (update.Version is { } version && version != spec.Version)
        {
            // Resolving here makes an unknown version a clear 400 before anything changes.
            entry = await GrainFactory.GetGrain<IRuntimeCatalogGrain>(IRuntimeCatalogGrain.Key).ResolveAsync(spec.Runtime, version);
            RequireNotDeleting();
            RequireGeneration(update.ExpectedGeneration);
        }

        Record.Runtime = entry;
        Record.Spec = spec with
        {
            Version = entry.Version,
            EnableCodeServer = update.EnableCodeServer ?? spec.EnableCodeServer,
            IdleTimeout = update.IdleTimeout ?? spec.IdleTimeout,
            DiskMb = update.ClearDiskMb ? null : update.DiskMb ?? spec.DiskMb,
        };
        if (update.EnableCodeServer is { } enable && enable != spec.EnableCodeServer)
        {
            // Toggling is safe at once: the agent starts or stops code-server as a numbered request, like the action.
            Record.CodeServerRunning = enable;
            Record.CodeServerRequest++;
            Record.LastCodeServerAction = enable ? CodeServerAction.Start : CodeServerAction.Stop;
            if (enable)
            {
                RestartIdleCountdown();
            }
        }

        await SpecChangedAsync($"spec updated ({DescribeUpdate(update)}); applied by the agent at once");
        return BuildStatus();
    }

    /// <summary>The catalog's version names are 1-32 characters (RuntimeEntryRules); a longer one cannot be in it.</summary>
    private const int MaxVersionLength = 32;

    /// <summary>Refuses an update that changes nothing or holds a value out of range, before anything is looked up.</summary>
    private static void ValidateUpdate(DevContainerUpdate? update)
    {
        if (update is null || update is { Version: null, EnableCodeServer: null, IdleTimeout: null, DiskMb: null, ClearDiskMb: false })
        {
            throw new InvalidRequestException("An update needs at least one of version, enableCodeServer, idleTimeoutMinutes, diskMb.");
        }

        // The gateway never sends both; an Orleans client of a tenant may.
        if (update.ClearDiskMb && update.DiskMb is not null)
        {
            throw new InvalidRequestException("An update either sets a limit or clears it, not both.");
        }

        if (update.Version is { } version && (string.IsNullOrWhiteSpace(version) || version.Length > MaxVersionLength))
        {
            throw new InvalidRequestException($"version must be 1-{MaxVersionLength} characters.");
        }

        if (update.IdleTimeout is { } idle && (idle < TimeSpan.Zero || idle > IdeIdle.MaxTimeout))
        {
            throw new InvalidRequestException($"The idle timeout must be between 0 (never) and {IdeIdle.MaxTimeout}.");
        }

        ZlhGrind.Grains.Files.FileLimits.CheckDiskMb(update.DiskMb);
    }

    private static string DescribeUpdate(DevContainerUpdate update) => string.Join("; ", new[]
    {
        update.Version is null ? null : "version " + update.Version,
        update.EnableCodeServer is null ? null : "code-server " + (update.EnableCodeServer.Value ? "on" : "off"),
        update.IdleTimeout is null ? null : "idle timeout",
        update.DiskMb is null ? null : "diskMb",
        update.ClearDiskMb ? "diskMb cleared" : null,
    }.OfType<string>());

    public async Task<IdeTokenGrant> IssueIdeTokenAsync(Actor actor)
    {
        RequireAccess(actor);
        RequireNotDeleting();
        if (Record.Spec is not { EnableCodeServer: true })
        {
            throw new ContainerConflictException($"code-server is not enabled for container {ContainerId}.");
        }

        var grant = Record.Ide.IssueToken(Time.GetUtcNow(), _ide);
        await WriteAsync();
        return grant;
    }

    public async Task<IdeRedeemResult> RedeemIdeTokenAsync(string token)
    {
        if (!Core.Exists || string.IsNullOrEmpty(token) || token.Length > 256)
        {
            return new IdeRedeemResult(IdeAccessStatus.Unknown, null, null);
        }

        var result = Record.Ide.Redeem(token, Time.GetUtcNow(), _ide);
        if (result.Status == IdeAccessStatus.Accepted)
        {
            await WriteAsync();
        }

        return result;
    }

    public ValueTask<IdeSessionLookup> ResolveIdeSessionAsync(string sessionId)
    {
        var (status, expiresAt) = Core.Exists && !string.IsNullOrEmpty(sessionId) && sessionId.Length <= 256
            ? Record.Ide.Check(sessionId, Time.GetUtcNow())
            : (IdeAccessStatus.Unknown, null);
        var (connectivity, _) = Presence.Evaluate(Core.AgentEverConnected);
        var (codeServer, _) = CodeServerNow();

        // The upstream is the address the platform set, never the endpoint the agent claims (a hostile agent would
        // name the dashboard, a metadata service or another container).
        return ValueTask.FromResult(new IdeSessionLookup(status, expiresAt, StateName, connectivity, codeServer, Record.IdeAddress));
    }

    public async Task SetIdeAddressAsync(Actor actor, string? address)
    {
        if (!actor.IsOperator)
        {
            throw new ContainerNotFoundException(ContainerId);
        }

        if (address is not null && !IsAddress(address))
        {
            throw new InvalidRequestException("The address must be an IP address, optionally with a port (10.0.3.7 or 10.0.3.7:8080).");
        }

        RequireExists();
        if (string.Equals(Record.IdeAddress, address, StringComparison.Ordinal))
        {
            return;
        }

        Record.IdeAddress = address;
        await WriteAsync();

        // Cached lookups of the old address are dropped at the gateways' next feed poll (else after their TTL).
        await OnPublishingAsync(ContainerEventKind.SpecChanged);
    }

    private static bool IsAddress(string address) =>
        address.Length <= IdeAddress.MaxLength
        && (System.Net.IPAddress.TryParse(address, out _) || (System.Net.IPEndPoint.TryParse(address, out var endpoint) && endpoint.Port > 0));

    public async Task<int> RevokeIdeSessionsAsync(Actor actor)
    {
        RequireAccess(actor);

        // The feed hears of it first: a gateway that polls it drops its cached lookups, and the lookup it sends next
        // waits behind this call. If the feed cannot be told, nothing is revoked and the caller sees the failure.
        await SessionFeed.ChangedAsync(ContainerId);
        var revoked = Record.Ide.RevokeAll(Time.GetUtcNow());
        await WriteAsync();
        await RevokeConsolesAsync("The container's sessions were revoked.");
        return revoked;
    }

    protected override async Task WriteAsync()
    {
        await record.WriteStateAsync();
        _activityWritten = Record.LastIdeActivityAt;
    }

    protected override async Task ClearStateAsync()
    {
        await record.ClearStateAsync();
        record.State = new DevContainerRecord();
        _activityWritten = null;
    }

    /// <summary>
    /// State, connectivity and code-server changes alter what a session lookup answers. Best effort: when the feed
    /// cannot be told, gateways still look again after <c>IdeTunnel:FeedTrustedSessionMaxAge</c>.
    /// </summary>
    protected override async Task OnPublishingAsync(ContainerEventKind kind)
    {
        // Every change that can start code-server publishes, so this is where the idle watch learns of it.
        await EnsureIdleWatchedAsync();
        try
        {
            await SessionFeed.ChangedAsync(ContainerId);
        }
        catch (Exception ex)
        {
            LogFeedFailed(Logger, ContainerId, kind, ex.Message);
        }
    }

    private IIdeSessionFeedGrain SessionFeed => GrainFactory.GetGrain<IIdeSessionFeedGrain>(IIdeSessionFeedGrain.Key);

    /// <summary>
    /// code-server as the agent saw it last: from the latest change event, unless a heartbeat sent after it
    /// says otherwise. A heartbeat built before an event sometimes arrives after it, and must not win.
    /// </summary>
    private (CodeServerState State, string? Endpoint) CodeServerNow()
    {
        var heartbeat = Presence.LastHeartbeat;
        return IsNewer(heartbeat, Record.CodeServerAt)
            ? (heartbeat!.Dev!.CodeServer, heartbeat.Dev.IdeEndpoint ?? Record.IdeEndpoint)
            : (Record.CodeServer, Record.IdeEndpoint ?? heartbeat?.Dev?.IdeEndpoint);
    }

    /// <summary>True when the heartbeat carries dev facts sent no earlier than an event of the agent's at <paramref name="eventAt"/>.</summary>
    private static bool IsNewer(ZlhGrind.Grains.Agents.Heartbeat? heartbeat, DateTimeOffset eventAt) =>
        heartbeat?.Dev is not null && heartbeat.SentAt >= eventAt;

    protected override DesiredSpec BuildDesiredSpec() =>
        new(Core.Generation, Game: null, new DevDesired(Record.Spec!, Record.Runtime!, Record.CodeServerRunning, Record.CodeServerRequest, Record.LastCodeServerAction));

    protected override ContainerStatus DecorateStatus(ContainerStatus status)
    {
        var observed = Presence.LastHeartbeat?.Dev;
        return status with
        {
            Dev = new DevStatus(
                ProvisioningComplete: Record.State == DevContainerState.Ready,
                Record.Spec?.Runtime ?? "",
                Record.Spec?.Version ?? "",
                Record.Spec?.EnableCodeServer ?? false,
                CodeServerNow().State.ToString(),
                CodeServerNow().Endpoint,
                IsNewer(Presence.LastHeartbeat, Record.InstalledRuntimesAt) ? observed!.Runtimes : Record.InstalledRuntimes,
                observed?.Install,
                Record.LastIdeActivityAt,
                IdleStopAt(),
                Record.Spec?.DiskMb,
                Record.Spec?.IdleTimeout),
        };
    }

    protected override LiveEvent? Apply(AgentEvent agentEvent, bool resync)
    {
        switch (agentEvent)
        {
            case DevStateChanged changed:
                if (!resync)
                {
                    DevLifecycle.EnsureCanMove(Record.State, changed.State);
                }

                if (changed.State == Record.State)
                {
                    return null;
                }

                Record.State = changed.State;
                Core.LastError = changed.State == DevContainerState.Error ? changed.Reason : null;
                return new LiveEvent(ContainerEventKind.StateChanged, $"now {changed.State}");

            case RuntimeInstallFinished installed:
                if (installed.Succeeded)
                {
                    if (Record.InstalledRuntimes.Count >= AgentInputLimits.Runtimes && !Record.InstalledRuntimes.Exists(r => r.Name == installed.Runtime))
                    {
                        // Keeps the stored record within a fixed size whatever an agent reports.
                        throw new InvalidRequestException($"runtime {installed.Runtime} would be installed runtime {AgentInputLimits.Runtimes + 1}; at most {AgentInputLimits.Runtimes} are kept.");
                    }

                    Record.InstalledRuntimes.RemoveAll(r => r.Name == installed.Runtime);
                    Record.InstalledRuntimes.Add(new InstalledRuntime(installed.Runtime, installed.Version, Active: true));
                    Record.InstalledRuntimesAt = installed.At;
                }
                else
                {
                    Core.LastError = $"{installed.Runtime} {installed.Version}: {installed.Reason}";
                }

                var outcome = installed.Succeeded ? "installed" : $"failed: {installed.Reason}";
                return new LiveEvent(ContainerEventKind.InstallFinished, $"{installed.Runtime} {installed.Version} {outcome}");

            case CodeServerChanged codeServer:
                if (codeServer.State == CodeServerState.Running && Record.CodeServer != CodeServerState.Running)
                {
                    // The idle countdown runs from when the IDE can be used (after an install, a crash restart), on the
                    // silo's clock. This postpones no one else's culling, and a tenant could keep its own IDE busy anyway.
                    RestartIdleCountdown();
                }

                Record.CodeServer = codeServer.State;
                Record.CodeServerAt = codeServer.At;
                Record.IdeEndpoint = codeServer.Endpoint ?? Record.IdeEndpoint;
                return new LiveEvent(ContainerEventKind.CodeServerChanged, $"code-server {codeServer.State}");

            default:
                throw new InvalidRequestException($"A dev container does not take {agentEvent.GetType().Name} events.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId}: the IDE session feed did not take a {EventKind} change: {Reason}")]
    private static partial void LogFeedFailed(ILogger logger, long containerId, ContainerEventKind eventKind, string reason);
}
