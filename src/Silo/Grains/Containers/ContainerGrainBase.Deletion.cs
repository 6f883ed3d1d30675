using ZlhGrind.Grains.Agents;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Events;
using ZlhGrind.Silo.Grains.Watch;

namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>
/// Deletion (issue 14): the request goes into the desired spec like any portal action, the agent stops the workload,
/// removes the data (unless kept) and confirms; then the grain revokes the credential, leaves the index and the
/// watch, clears its state and publishes <see cref="ContainerEventKind.Deleted"/>. An agent that never connected is
/// not waited for, and one that does not confirm within <see cref="ContainerOptions.DeleteAgentGrace"/> is given up on.
/// </summary>
internal abstract partial class ContainerGrainBase
{
    /// <summary>The state name a container shows from the request until it is gone.</summary>
    internal const string DeletingState = "Deleting";

    /// <summary>The state name of the last status a deleted container published.</summary>
    internal const string DeletedState = "Deleted";

    /// <summary>The final event's summary when the grain finished without the agent.</summary>
    internal const string NotConfirmed = "deleted; agent did not confirm: its data was not removed";

    /// <summary>A confirmation taken in the current report, acted on once that report is written.</summary>
    private DeletionFinished? _deletionConfirmed;

    public async Task<ContainerStatus> DeleteAsync(Actor actor, bool keepData)
    {
        RequireAccess(actor);
        if (Core.Deletion is not null)
        {
            // Asked already: the first request's choice of keepData stands.
            return BuildStatus();
        }

        Core.Deletion = new DeletionRecord { KeepData = keepData, RequestedAt = Time.GetUtcNow(), RequestedBy = actor.UserId };
        LogDeletionRequested(Logger, ContainerId, actor.UserId, keepData);
        await RevokeConsolesAsync("The container was deleted.");
        if (!AgentHeardFrom)
        {
            // No agent ever ran this container: nothing stops or removes anything, and none may connect later.
            return await FinishDeletionAsync(confirmation: null);
        }

        await SpecChangedAsync(keepData ? $"now {DeletingState} (data kept)" : $"now {DeletingState}", ContainerEventKind.StateChanged);
        await WatchDeletionAsync();
        return BuildStatus();
    }

    /// <summary>True once an agent connected, reported or beat for this container: it may hold data to remove.</summary>
    private bool AgentHeardFrom => Core.AgentEverConnected || Core.AgentInstance != Guid.Empty || Presence.LastHeartbeatAt is not null;

    /// <summary>Refuses a portal action on a container being deleted.</summary>
    protected void RequireNotDeleting()
    {
        if (Core.Deletion is not null)
        {
            throw new ContainerConflictException($"Container {ContainerId} is being deleted.");
        }
    }

    /// <summary>The agent's confirmation, taken by the report that carries it; refused when no deletion was asked.</summary>
    private LiveEvent? TakeDeletionConfirmation(DeletionFinished finished)
    {
        if (Core.Deletion is null)
        {
            throw new InvalidTransitionException($"Container {ContainerId} is not being deleted.");
        }

        _deletionConfirmed = finished;
        return null;
    }

    /// <summary>Finishes a deletion the report just confirmed; the ack is built before the state is cleared.</summary>
    private async Task<ReportAck> AckAfterDeletionAsync(ReportAck ack)
    {
        if (_deletionConfirmed is not { } confirmation)
        {
            return ack;
        }

        _deletionConfirmed = null;
        await FinishDeletionAsync(confirmation);
        return ack;
    }

    /// <summary>While deleting: finishes without the agent once the grace passed, else says when to ask again.</summary>
    private async Task<DateTimeOffset?> CheckDeletionAsync(DeletionRecord deletion)
    {
        var giveUpAt = deletion.RequestedAt + Options.DeleteAgentGrace;
        if (Time.GetUtcNow() >= giveUpAt)
        {
            await FinishDeletionAsync(confirmation: null);
            return null;
        }

        await PublishConnectivityIfChangedAsync();
        Presence.Watched = true;
        return NextDeletionCheck(giveUpAt);
    }

    private DateTimeOffset NextDeletionCheck(DateTimeOffset giveUpAt) =>
        Presence.Published == Connectivity.Connected && Presence.Deadline(Core.AgentEverConnected) is { } deadline && deadline < giveUpAt
            ? deadline
            : giveUpAt;

    /// <summary>Puts the container into the connectivity watch with the grace deadline, so a silent agent cannot hold the deletion.</summary>
    private async Task WatchDeletionAsync()
    {
        var next = NextDeletionCheck(Core.Deletion!.RequestedAt + Options.DeleteAgentGrace);
        try
        {
            await Watch.WatchAsync(ContainerId, _kind, next);
            Presence.Watched = true;
        }
        catch (Exception ex)
        {
            // The next heartbeat joins the watch; an agent that never beats again was watched already (it connected).
            LogWatchFailed(Logger, ContainerId, ex.Message);
        }
    }

    /// <summary>
    /// Ends the container: the credential is revoked and written first (whatever fails later, that agent is refused),
    /// then the index entry, the watch and the IDE sessions go, the state is cleared and the last event published.
    /// </summary>
    private async Task<ContainerStatus> FinishDeletionAsync(DeletionFinished? confirmation)
    {
        var deletion = Core.Deletion!;
        var ownerId = Core.OwnerId!;
        var summary = confirmation switch
        {
            null => NotConfirmed,
            { DataRemoved: true } => "deleted; the agent stopped the workload and removed its data",
            _ when deletion.KeepData => "deleted; the agent stopped the workload and kept its data (keepData)",
            _ => $"deleted; the agent stopped the workload but did not remove its data: {confirmation.Reason}",
        };

        Core.AgentCredentialHash = null;
        ReserveSequences();
        await WriteAsync();
        Presence.ForgetObserver();

        await GrainFactory.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).ReleaseAsync(ContainerId, ownerId);
        try
        {
            await Watch.UnwatchAsync(ContainerId);
        }
        catch (Exception ex)
        {
            // The partition drops it at its next sweep anyway: a cleared container answers "nothing to watch".
            LogWatchFailed(Logger, ContainerId, ex.Message);
        }

        var final = BuildStatus() with { State = DeletedState };
        await ClearStateAsync();
        Presence.Watched = false;
        LogDeleted(Logger, ContainerId, ownerId, summary);

        // The numbers were reserved above: this event needs no write of the cleared record.
        await PublishAsync(ContainerEventKind.Deleted, summary, status: final, numberReserved: true);
        DeactivateOnIdle();
        return final;
    }

    private IConnectivityWatchGrain Watch => GrainFactory.GetGrain<IConnectivityWatchGrain>(ConnectivityWatch.PartitionOf(ContainerId));

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId}: deletion requested by {UserId} (keep data: {KeepData})")]
    private static partial void LogDeletionRequested(ILogger logger, long containerId, string userId, bool keepData);

    [LoggerMessage(Level = LogLevel.Information, Message = "Container {ContainerId} of {OwnerId} {Outcome}")]
    private static partial void LogDeleted(ILogger logger, long containerId, string ownerId, string outcome);
}
