using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Grains.Lifecycle;
using ZlhGrind.Silo.Grains.Templates;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>A game-server container: desired power, the observed lifecycle and the crash history.</summary>
internal sealed partial class GameServerGrain(
    [PersistentState("game", StorageNames.Containers)] IPersistentState<GameServerRecord> record,
    [PersistentState("usage", StorageNames.Containers)] IPersistentState<UsageHistory> usageHistory,
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    IOptions<ContainerOptions> options,
    IOptions<UsageOptions> usage,
    ILogger<GameServerGrain> logger)
    : ContainerGrainBase(ContainerKind.Game, time, options, logger), IGameServerGrain
{
    private GameServerRecord Record => record.State;

    protected override ContainerCore Core => Record.Core;

    protected override string StateName => Record.State.ToString();

    public async Task<ProvisionResult> ProvisionAsync(Actor actor, GameServerSpec spec)
    {
        GameServerSpecValidator.ValidateRequest(spec);
        var template = await GrainFactory.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).ResolveAsync(spec.Template);
        spec = TemplateRenderer.Render(template, spec);
        GameServerSpecValidator.Validate(spec);
        RequireProvisionable(actor);
        return await ProvisionCoreAsync(actor, () =>
        {
            Record.Spec = spec;
            Record.SpecGeneration = 1;
            Record.State = GameServerState.Provisioning;
        });
    }

    public async Task<ContainerStatus> PowerAsync(Actor actor, PowerAction action)
    {
        RequireAccess(actor);
        if (!Enum.IsDefined(action))
        {
            throw new InvalidRequestException($"Unknown power action {action}.");
        }

        RequireNotDeleting();

        if (Record.State is GameServerState.Provisioning or GameServerState.Installing && action is PowerAction.Start or PowerAction.Restart)
        {
            throw new ContainerConflictException($"Game server {ContainerId} is still {Record.State.ToString().ToLowerInvariant()}; it can start once installed.");
        }

        Record.Power = action is PowerAction.Start or PowerAction.Restart ? DesiredPower.Running : DesiredPower.Stopped;
        Record.PowerRequest++;
        Record.LastAction = action;
        await SpecChangedAsync($"power {action.ToString().ToLowerInvariant()} requested");
        return BuildStatus();
    }

    public async Task<ContainerStatus> UpdateAsync(Actor actor, GameServerUpdate update)
    {
        RequireAccess(actor);
        GameServerSpecValidator.ValidateUpdate(update);
        RequireNotDeleting();
        RequireGeneration(update.ExpectedGeneration);
        var current = Record.Spec!;
        var template = await GrainFactory.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).ResolveAsync(current.Template);
        var spec = TemplateRenderer.Render(template, UpdateRequest.For(current, update, template));
        GameServerSpecValidator.Validate(spec);

        // The grain is not reentrant, so nothing changed during the catalog call; checked again all the same, as the
        // refusal must hold whatever the grain's scheduling becomes.
        RequireNotDeleting();
        RequireGeneration(update.ExpectedGeneration);
        Record.Spec = spec;
        Record.SpecGeneration = Core.Generation + 1;
        var when = Record.State is GameServerState.Starting or GameServerState.Running or GameServerState.Stopping ? "applies at the next restart" : "applies at the next start";
        await SpecChangedAsync($"spec updated ({UpdateRequest.Describe(update)}); {when}");
        return BuildStatus();
    }

    public Task<IReadOnlyList<CrashRecord>> GetCrashesAsync(Actor actor)
    {
        RequireAccess(actor);
        return Task.FromResult<IReadOnlyList<CrashRecord>>(Record.Crashes.ToArray());
    }

    protected override Task WriteAsync() => record.WriteStateAsync();

    protected override async Task ClearStateAsync()
    {
        await record.ClearStateAsync();
        record.State = new GameServerRecord();
        await ClearUsageAsync();
    }

    protected override DesiredSpec BuildDesiredSpec() =>
        new(Core.Generation, new GameDesired(Record.Spec!, Record.Power, Record.PowerRequest, Record.LastAction), Dev: null);

    protected override ContainerStatus DecorateStatus(ContainerStatus status)
    {
        var last = Record.Crashes.Count > 0 ? Record.Crashes[0] : null;
        var observed = Presence.LastHeartbeat?.Game;
        var running = Record.State is GameServerState.Starting or GameServerState.Running or GameServerState.Stopping ? observed?.RunningGeneration : null;
        return status with
        {
            Crashes = new CrashSummary(Record.CrashTotal, last?.At, last?.Classification.WireName(), last?.ExitCode),
            Game = new GameStatus(
                Record.Spec?.Template ?? "",
                Record.Power.ToString(),
                observed?.ConsecutiveCrashes ?? last?.ConsecutiveCrashes ?? 0,
                observed?.NextRestartAt,
                Record.State == GameServerState.Running ? Record.ReadyAt : null,
                Record.LastStop,
                Record.Spec?.Launch?.TemplateVersion,
                Limits(),
                Record.SpecGeneration,
                running,
                running < Record.SpecGeneration,
                observed?.Install,
                Record.Spec?.MemoryMb ?? 0,
                VariableDictionary.From(Record.Spec?.Variables),
                Record.Spec?.DiskMb,
                Record.Spec?.CpuPercent,
                Record.Spec?.StartCommand),
        };
    }

    protected override LiveEvent? Apply(AgentEvent agentEvent, bool resync)
    {
        switch (agentEvent)
        {
            case GameStateChanged changed:
                if (!resync)
                {
                    GameLifecycle.EnsureCanMove(Record.State, changed.State);
                }

                if (changed.State == Record.State)
                {
                    return null;
                }

                Record.State = changed.State;
                Core.LastError = changed.State == GameServerState.Error ? changed.Reason : null;
                Record.ReadyAt = changed.State == GameServerState.Running ? ClampedTime(changed.ReadyAt ?? changed.At) : null;
                var summary = changed.Reason is null ? $"now {changed.State}" : $"now {changed.State}: {changed.Reason}";
                if (changed.Stop is { } stop)
                {
                    Record.LastStop = stop with { At = ClampedTime(stop.At) };
                    if (stop.Forced)
                    {
                        return new LiveEvent(ContainerEventKind.StopForced, $"now {changed.State}, stop forced: {stop.Reason}");
                    }
                }

                return new LiveEvent(ContainerEventKind.StateChanged, summary);

            case GameCrashed crashed:
                var crash = Bounded(crashed.Crash);
                if (Record.Crashes.Exists(c => c.Id == crash.Id))
                {
                    return null;
                }

                Record.Crashes.Insert(0, crash);
                if (Record.Crashes.Count > Options.CrashHistoryLimit)
                {
                    Record.Crashes.RemoveRange(Options.CrashHistoryLimit, Record.Crashes.Count - Options.CrashHistoryLimit);
                }

                Record.CrashTotal++;
                return new LiveEvent(ContainerEventKind.Crashed, $"crashed: {crash.Classification.WireName()}", crash);

            default:
                throw new InvalidRequestException($"A game server does not take {agentEvent.GetType().Name} events.");
        }
    }

    private CrashRecord Bounded(CrashRecord crash)
    {
        // Tails over AgentInputLimits.CrashLogTail never get here; an operator may keep less than that.
        var tail = crash.LogTail ?? "";
        return crash with
        {
            At = ClampedTime(crash.At),
            LogTail = tail.Length <= Options.MaxLogTailBytes ? tail : tail[^Options.MaxLogTailBytes..],
        };
    }
}
