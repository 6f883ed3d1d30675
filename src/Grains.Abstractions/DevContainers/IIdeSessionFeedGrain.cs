using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Grains.DevContainers;

/// <summary>
/// The list of dev containers whose IDE session answers changed (key 0), so a gateway can keep session lookups
/// longer than its cache TTL and still see a revocation within one poll. Dev containers record a revocation here
/// before it takes effect, and their state, connectivity and code-server changes after. The list lives in memory:
/// a new activation starts a new epoch, and a gateway that sees another epoch forgets everything it cached.
/// </summary>
[Alias("zlh.IIdeSessionFeedGrain")]
public interface IIdeSessionFeedGrain : IGrainWithIntegerKey
{
    /// <summary>The feed's only key.</summary>
    public const long Key = 0;

    /// <summary>Records that what a lookup of <paramref name="containerId"/>'s sessions answers may have changed.</summary>
    [Alias("Changed"), Accepts(CallerKind.Internal)]
    Task ChangedAsync(long containerId);

    /// <summary>
    /// The containers changed after <paramref name="version"/> of <paramref name="epoch"/>; incomplete when the epoch
    /// is another or the changes since then no longer fit the feed's window (then forget every cached lookup).
    /// </summary>
    [Alias("ChangesSince"), Accepts(CallerKind.Gateway)]
    ValueTask<IdeSessionChanges> ChangesSinceAsync(Guid epoch, long version);
}

/// <summary>
/// An answer of <see cref="IIdeSessionFeedGrain.ChangesSinceAsync"/>: the feed's epoch and version to ask from next,
/// and either every container changed since the cursor (<see cref="Complete"/>) or none (the cursor was too old).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.IdeSessionChanges")]
public sealed record IdeSessionChanges(Guid Epoch, long Version, bool Complete, IReadOnlyList<long> ContainerIds);
