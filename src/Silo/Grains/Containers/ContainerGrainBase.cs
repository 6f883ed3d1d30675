using Microsoft.Extensions.Options;
using Orleans.Streams;
using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Consoles;
using ZlhGrind.Silo.Grains.Registry;
using ZlhGrind.Silo.Grains.Watch;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// What game and dev container grains share: ownership, the agent link (connect, heartbeats in memory,
/// ordered and de-duplicated reports, desired-spec generations), connectivity and live events.
/// Each kind supplies its stored record, its status parts and how it applies agent events.
/// </summary>
internal abstract partial class ContainerGrainBase : Grain, IContainerGrain, IConnectivityCheck, IRemindable, IAgentCredentialHolder, IContainerConsoleAccess
{
    /// <summary>What a report refused for its rate carries in its ack, so the agent logs why it must wait.</summary>
    internal const string RateLimited = "rate limited: nothing of this report was taken; send it again later";

    /// <summary>
    /// Live-event numbers reserved with one write: a grain writes for its events once per activation and then once
    /// per this many events, never for each.
    /// </summary>
    private const long SequenceBlock = 1024;

    private readonly ContainerKind _kind;
    private readonly Queue<ContainerEvent> _recent = new();
    private long _lastSequence;
    private IAsyncStream<ContainerEvent>? _events;
    private AgentPresence? _presence;
    private AgentLink? _link;

    protected ContainerGrainBase(ContainerKind kind, TimeProvider time, IOptions<ContainerOptions> options, ILogger logger)
    {
        _kind = kind;
        Time = time;
        Options = options.Value;
        Logger = logger;
    }

    protected TimeProvider Time { get; }

    protected ContainerOptions Options { get; }

    protected ILogger Logger { get; }

    protected long ContainerId => this.GetPrimaryKeyLong();

    protected AgentPresence Presence => _presence ?? throw new InvalidOperationException("The grain is not active.");

    private AgentLink Link => _link ?? throw new InvalidOperationException("The grain is not active.");

    /// <summary>The stored facts shared by both kinds (part of the derived grain's record).</summary>
    protected abstract ContainerCore Core { get; }

    /// <summary>Writes the derived grain's whole record.</summary>
    protected abstract Task WriteAsync();

    /// <summary>Removes the derived grain's stored record and starts it afresh in memory (a deleted container).</summary>
    protected abstract Task ClearStateAsync();

    /// <summary>The current lifecycle state's name.</summary>
    protected abstract string StateName { get; }

    /// <summary>Fills in the kind-specific parts of the status.</summary>
    protected abstract ContainerStatus DecorateStatus(ContainerStatus status);

    /// <summary>The desired spec at the current generation.</summary>
    protected abstract DesiredSpec BuildDesiredSpec();

    /// <summary>
    /// Applies one agent event to the record (no write); returns the live event to publish, or null.
    /// Throws <see cref="InvalidTransitionException"/> or <see cref="InvalidRequestException"/> to refuse it.
    /// </summary>
    protected abstract LiveEvent? Apply(AgentEvent agentEvent, bool resync);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _presence = new AgentPresence(Time, Options);
        _presence.Published = Core.AgentEverConnected ? Connectivity.Connected : Connectivity.Unknown;
        _link = new AgentLink(() => Core, ApplyChecked, ContainerId, Logger);
        _lastSequence = Core.EventSequenceCeiling;
        _events = this.GetStreamProvider(ContainerEvents.StreamProvider)
            .GetStream<ContainerEvent>(StreamId.Create(ContainerEvents.Namespace, ContainerId));
        return Task.CompletedTask;
    }

    public Task<ContainerStatus> GetStatusAsync(Actor actor)
    {
        RequireAccess(actor);
        return Task.FromResult(BuildStatus());
    }

    public Task<EventReplay> GetEventsSinceAsync(Actor actor, long? afterSequence)
    {
        RequireAccess(actor);
        IReadOnlyList<ContainerEvent>? events = [];
        if (afterSequence is { } after && after != _lastSequence)
        {
            // Replayed only when the buffer still holds the event right after the client's; a number this
            // container never gave (negative, ahead, an older activation's) is a gap too.
            var held = after >= 0 && after < _lastSequence && _recent.TryPeek(out var oldest) && oldest.Sequence <= after + 1;
            events = held ? _recent.Where(e => e.Sequence > after).ToArray() : null;
        }

        return Task.FromResult(new EventReplay(BuildStatus(), _lastSequence, events));
    }

    public async Task<AgentSession> ConnectAgentAsync(AgentHello hello, IAgentObserver observer)
    {
        CheckAgentInput(hello, AgentInput.Check);
        RequireExists();
        var newInstance = Link.IsNewInstance(hello.InstanceId);
        if ((newInstance || !Core.AgentEverConnected) && !Presence.Writes.TryTake())
        {
            // A connect that would write counts against the same bucket as reports: a loop of fresh instance ids
            // must not turn into a loop of storage writes.
            throw new InvalidRequestException($"The agent of container {ContainerId} connects too often; it may try again shortly.");
        }

        Presence.Connected(observer);
        var changed = !Core.AgentEverConnected;
        Core.AgentEverConnected = true;
        if (Link.Adopt(hello.InstanceId))
        {
            changed = true;
        }

        if (changed)
        {
            ReserveSequences();
            await WriteAsync();
        }

        LogAgentConnected(Logger, ContainerId, hello.AgentVersion, hello.InstanceId);
        await PublishConnectivityIfChangedAsync();
        await EnsureWatchedAsync();
        return new AgentSession(CurrentSpec(), Options.HeartbeatInterval, Core.AppliedSequence);
    }

    public ValueTask<HeartbeatAck> HeartbeatAsync(Heartbeat heartbeat)
    {
        CheckAgentInput(heartbeat, AgentInput.Check);
        RequireExists();
        var ack = new HeartbeatAck(Core.Generation, Presence.Observer is null, UsageWatchedUntil);
        if (!Presence.Heartbeats.TryTake())
        {
            // Answered, so a well-behaved agent that bunched its beats keeps its link, but not recorded.
            return ValueTask.FromResult(ack);
        }

        Presence.Beat(Clamped(heartbeat));
        if (Presence.Published == Connectivity.Connected && Presence.Watched)
        {
            return ValueTask.FromResult(ack);
        }

        return PublishThenAck(ack);

        async ValueTask<HeartbeatAck> PublishThenAck(HeartbeatAck result)
        {
            await PublishConnectivityIfChangedAsync();
            await EnsureWatchedAsync();
            return result;
        }
    }

    public async Task<ReportAck> ReportAsync(AgentReport report)
    {
        CheckAgentInput(report, AgentInput.Check);
        RequireExists();
        if (!Presence.Writes.TryTake())
        {
            // Nothing is taken; the agent keeps the events and sends them again with its next heartbeat.
            return new ReportAck(Link.AppliedFor(report.InstanceId), [RateLimited]);
        }

        var (published, rejected) = Link.Apply(report);
        if (published is not null || rejected is not null || report.Events.Count > 0 || report.DroppedEvents > 0)
        {
            await WriteAsync();
        }

        if (published is not null)
        {
            foreach (var live in published)
            {
                await PublishAsync(live.Kind, live.Summary, live.Crash, live.Status);
            }
        }

        return await AckAfterDeletionAsync(new ReportAck(Core.AppliedSequence, rejected));
    }

    public Task<DesiredSpec> GetDesiredSpecAsync()
    {
        RequireExists();
        return Task.FromResult(CurrentSpec());
    }

    /// <summary>The kind's desired spec with the deletion, when one was asked.</summary>
    private DesiredSpec CurrentSpec() =>
        Core.Deletion is { } deletion ? BuildDesiredSpec() with { Deletion = new DeletionDesired(deletion.KeepData) } : BuildDesiredSpec();

    public bool IsAgentCredential(string credential) => AgentCredentials.Matches(credential, Core.AgentCredentialHash);

    /// <summary>The owner and agent credential hash for this container's console grains (silo-internal); none once deletion was asked.</summary>
    public Task<ConsoleAccess> GetConsoleAccessAsync() =>
        Task.FromResult(Core.Exists && Core.Deletion is null ? new ConsoleAccess(Core.OwnerId, Core.AgentCredentialHash) : new ConsoleAccess(null, null));

    /// <summary>
    /// Closes this container's console or terminal sockets (README: "Console"): their grain drops its tickets and tells
    /// every watching gateway at once. One-way and best effort: a socket the push misses is refused at its next lease renewal.
    /// </summary>
    protected async Task RevokeConsolesAsync(string reason)
    {
        var channel = _kind == ContainerKind.Game ? ConsoleLimits.GameChannel : ConsoleLimits.TerminalChannel;
        try
        {
            await GrainFactory.GetGrain<IConsoleRevocation>(ContainerId, channel, null).RevokeAsync(reason);
        }
        catch (Exception ex)
        {
            LogConsoleRevokeFailed(Logger, ContainerId, ex.Message);
        }
    }

    /// <summary>
    /// Containers provisioned before the connectivity watch carry a per-container reminder; the first time it
    /// fires it is dropped (the watch sweep replaced it).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (await this.GetReminder(reminderName) is { } legacy)
        {
            await this.UnregisterReminder(legacy);
        }
    }

    public async Task<DateTimeOffset?> CheckConnectivityAsync()
    {
        if (!Core.Exists)
        {
            return null;
        }

        if (Core.Deletion is { } deletion)
        {
            return await CheckDeletionAsync(deletion);
        }

        await PublishConnectivityIfChangedAsync();
        var next = Presence.Published == Connectivity.Connected ? Presence.Deadline(Core.AgentEverConnected) : null;
        Presence.Watched = next is not null;
        return next;
    }

    /// <summary>
    /// Creates the container once every check passed: claims the id in the registry, lets the kind record its spec
    /// (<paramref name="applySpec"/>), issues the agent credential, writes, watches. A refused provision leaves the
    /// grain exactly as it was.
    /// </summary>
    protected async Task<ProvisionResult> ProvisionCoreAsync(Actor actor, Action applySpec)
    {
        RequireProvisionable(actor);
        var now = Time.GetUtcNow();
        // Straight to the id's bucket (one hop fewer than through the registry, which every provision would queue at).
        await GrainFactory.GetGrain<IContainerBucketGrain>(ContainerBuckets.Of(ContainerId))
            .ClaimAsync(new ContainerSummary(ContainerId, _kind, actor.UserId, now));

        // Checked again: the claim awaited, and another provision of this id may have interleaved.
        RequireProvisionable(actor);
        var credential = AgentCredentials.Create();
        applySpec();
        Core.OwnerId = actor.UserId;
        Core.CreatedAt = now;
        Core.AgentCredentialHash = AgentCredentials.Hash(credential);
        Core.Generation = 1;
        ReserveSequences();
        await WriteAsync();

        LogProvisioned(Logger, ContainerId, _kind, actor.UserId);
        await PublishAsync(ContainerEventKind.Provisioned, $"{_kind} container provisioned");
        return new ProvisionResult(ContainerId, _kind, credential, BuildStatus());
    }

    /// <summary>The checks a provision must pass before anything is read from other grains or changed.</summary>
    protected void RequireProvisionable(Actor actor)
    {
        if (actor is null || string.IsNullOrWhiteSpace(actor.UserId))
        {
            throw new InvalidRequestException("A container needs an owner.");
        }

        if (!ZlhGrind.Grains.Containers.ContainerId.IsValid(ContainerId))
        {
            throw new InvalidRequestException($"Container ids run from {ZlhGrind.Grains.Containers.ContainerId.Min} to {ZlhGrind.Grains.Containers.ContainerId.Max}; {ContainerId} is not one.");
        }

        if (Core.Exists)
        {
            // Only operators choose ids (gateways allocate them for users), so only an operator can meet this.
            throw new ContainerConflictException($"Container {ContainerId} is already provisioned.");
        }
    }

    /// <summary>Bumps the desired-spec generation, writes, and hints the agent (the heartbeat ack is the fallback).</summary>
    protected async Task SpecChangedAsync(string summary, ContainerEventKind kind = ContainerEventKind.SpecChanged)
    {
        Core.Generation++;
        await WriteAsync();
        if (Presence.Observer is { } observer)
        {
            try
            {
                await observer.DesiredSpecChanged(Core.Generation);
            }
            catch (Exception ex)
            {
                // The hint is best effort; the agent still learns the generation from its next heartbeat ack.
                LogHintFailed(Logger, ContainerId, ex.Message);
                Presence.ForgetObserver();
            }
        }

        await PublishAsync(kind, summary);
    }

    /// <summary>An agent timestamp no later than the silo's clock allows (issue 12: a future time would pin what it stamps).</summary>
    protected DateTimeOffset ClampedTime(DateTimeOffset at)
    {
        var now = Time.GetUtcNow();
        return at > now + Options.MaxAgentClockSkew ? now : at;
    }

    private Heartbeat Clamped(Heartbeat heartbeat)
    {
        var sentAt = ClampedTime(heartbeat.SentAt);
        var latestRestart = Time.GetUtcNow() + Options.MaxAgentScheduleAhead;
        var game = heartbeat.Game is { NextRestartAt: { } next } observed && next > latestRestart
            ? observed with { NextRestartAt = latestRestart }
            : heartbeat.Game;
        return sentAt == heartbeat.SentAt && ReferenceEquals(game, heartbeat.Game) ? heartbeat : heartbeat with { SentAt = sentAt, Game = game };
    }

    /// <summary>The link's view of one agent event: checked against the input limits, its time clamped, then applied by the kind.</summary>
    private LiveEvent? ApplyChecked(AgentEvent agentEvent, bool resync)
    {
        if (AgentInput.Problem(agentEvent) is { } problem)
        {
            LogInputRefusedOnce(problem);
            throw new InvalidRequestException(problem);
        }

        var clamped = agentEvent with { At = ClampedTime(agentEvent.At) };
        var live = clamped is DeletionFinished finished ? TakeDeletionConfirmation(finished) : Apply(clamped, resync);

        // The status right after this event, not after the whole report: one report can bring a restart's Stopping,
        // Stopped, Starting and Running together, and each of their events must show its own state.
        return live is null ? null : live with { Status = BuildStatus() };
    }

    /// <summary>Runs an input check; a refusal is logged once per activation, so a hostile agent cannot flood the log.</summary>
    /// <remarks>The check is a static method group (a cached delegate), so a heartbeat allocates no closure for it.</remarks>
    private void CheckAgentInput<T>(T input, Action<T> check)
    {
        try
        {
            check(input);
        }
        catch (InvalidRequestException ex)
        {
            LogInputRefusedOnce(ex.Message);
            throw;
        }
    }

    private void LogInputRefusedOnce(string problem)
    {
        if (!Presence.InputRefusalLogged)
        {
            Presence.InputRefusalLogged = true;
            LogInputRefused(Logger, ContainerId, problem);
        }
    }

    /// <summary>Refuses an update made against another generation than the current one (another update came first).</summary>
    protected void RequireGeneration(long? expected)
    {
        if (expected is { } generation && generation != Core.Generation)
        {
            throw new ContainerConflictException($"Container {ContainerId} changed: the update was made against generation {generation}, the container is at generation {Core.Generation}; read its status and try again.");
        }
    }

    protected void RequireAccess(Actor actor)
    {
        if (!Core.Exists || !actor.MayAccess(Core.OwnerId))
        {
            throw new ContainerNotFoundException(ContainerId);
        }
    }

    protected void RequireExists()
    {
        if (!Core.Exists)
        {
            throw new ContainerNotFoundException(ContainerId);
        }
    }

    protected ContainerStatus BuildStatus()
    {
        var (connectivity, since) = Presence.Evaluate(Core.AgentEverConnected);
        var heartbeat = Presence.LastHeartbeat;
        var process = heartbeat is null
            ? null
            : new ProcessSample(heartbeat.Pid, heartbeat.Uptime, heartbeat.CpuPercent, heartbeat.RssBytes, heartbeat.AgentVersion);
        var status = new ContainerStatus(
            ContainerId,
            _kind,
            Core.OwnerId ?? "",
            Core.Deletion is null ? StateName : DeletingState,
            connectivity,
            since,
            Presence.LastHeartbeatAt,
            Core.Generation,
            heartbeat?.ObservedGeneration ?? 0,
            process,
            CrashSummary.None,
            Game: null,
            Dev: null,
            Core.LastError);
        return DecorateStatus(status);
    }

    /// <summary>
    /// Publishes a live event with the status now, or with <paramref name="status"/>: the one right after an agent's
    /// event, or a deleted container's last one (<paramref name="numberReserved"/>: its number was reserved before and
    /// the cleared record must not be written again).
    /// </summary>
    protected async Task PublishAsync(ContainerEventKind kind, string summary, CrashRecord? crash = null, ContainerStatus? status = null, bool numberReserved = false)
    {
        await OnPublishingAsync(kind);
        try
        {
            var ceiling = Core.EventSequenceCeiling;
            if (!numberReserved && ReserveSequences())
            {
                try
                {
                    await WriteAsync();
                }
                catch
                {
                    // Numbers the store never reserved must not be handed out: after a restart they would come again.
                    Core.EventSequenceCeiling = ceiling;
                    throw;
                }
            }

            var published = new ContainerEvent(ContainerId, kind, Time.GetUtcNow(), summary, status ?? BuildStatus(), crash, ++_lastSequence);
            _recent.Enqueue(published);
            while (_recent.Count > Options.EventReplayBuffer)
            {
                _recent.Dequeue();
            }

            // A stream whose queue or rendezvous grain died with a silo can hold a publish until Orleans' response
            // timeout (30 s), and every heartbeat and connectivity check of this container would queue behind it.
            // The event is in the replay buffer already: gateways hand it out from there (or a resync) when they
            // compare notes, so the turn gives up waiting. Real time, as Orleans' own timeouts.
            var sending = _events!.OnNextAsync(published);
            try
            {
                await sending.WaitAsync(Options.EventPublishTimeout);
            }
            catch (TimeoutException)
            {
                // The send runs on without this turn; its late failure must not end as an unobserved task exception.
                // A late success may reach readers after a newer event: they skip numbers they delivered already.
                _ = sending.ContinueWith(static failed => failed.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }
        catch (Exception ex)
        {
            // Live events are a convenience for open portals; the state is already written.
            LogPublishFailed(Logger, ContainerId, kind, ex.Message);
        }
    }

    /// <summary>Reserves the next block of live-event numbers when the next one is not reserved yet; true when the record must be written.</summary>
    private bool ReserveSequences()
    {
        if (_lastSequence < Core.EventSequenceCeiling)
        {
            return false;
        }

        Core.EventSequenceCeiling = _lastSequence + SequenceBlock;
        return true;
    }

    /// <summary>Runs before each live event is published, for what else must hear of the change; must not throw.</summary>
    protected virtual Task OnPublishingAsync(ContainerEventKind kind) => Task.CompletedTask;

    /// <summary>Until when someone watches the container's usage (the heartbeat's answer tells the agent to sample fast); null: nobody.</summary>
    protected virtual DateTimeOffset? UsageWatchedUntil => null;

    /// <summary>
    /// Puts a connected agent's container into the connectivity watch once per activation (the partition writes
    /// only when it was not watched yet); a failure is retried with the next heartbeat.
    /// </summary>
    private async Task EnsureWatchedAsync()
    {
        if (Presence.Watched || Presence.Published != Connectivity.Connected || Presence.Deadline(Core.AgentEverConnected) is not { } deadline)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<IConnectivityWatchGrain>(ConnectivityWatch.PartitionOf(ContainerId)).WatchAsync(ContainerId, _kind, deadline);
            Presence.Watched = true;
        }
        catch (Exception ex)
        {
            LogWatchFailed(Logger, ContainerId, ex.Message);
        }
    }

    private async Task PublishConnectivityIfChangedAsync()
    {
        var (connectivity, _) = Presence.Evaluate(Core.AgentEverConnected);
        if (connectivity == Presence.Published)
        {
            return;
        }

        Presence.Published = connectivity;
        LogConnectivity(Logger, ContainerId, connectivity);
        await PublishAsync(ContainerEventKind.ConnectivityChanged, $"agent {connectivity.ToString().ToLowerInvariant()}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent of {ContainerId} sent input over a limit (logged once per activation): {Problem}")]
    private static partial void LogInputRefused(ILogger logger, long containerId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId} provisioned as {Kind} for {OwnerId}")]
    private static partial void LogProvisioned(ILogger logger, long containerId, ContainerKind kind, string ownerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent of {ContainerId} connected (version {AgentVersion}, instance {AgentInstance})")]
    private static partial void LogAgentConnected(ILogger logger, long containerId, string agentVersion, Guid agentInstance);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent of {ContainerId} is {Connectivity}")]
    private static partial void LogConnectivity(ILogger logger, long containerId, Connectivity connectivity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} could not join the connectivity watch; the next heartbeat retries: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Container {ContainerId} could not hint its agent: {Reason}")]
    private static partial void LogHintFailed(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} could not close its console sockets: {Reason}")]
    private static partial void LogConsoleRevokeFailed(ILogger logger, long containerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Container {ContainerId} could not publish {EventKind}: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, long containerId, ContainerEventKind eventKind, string reason);
}
