using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>
/// The stored 1-minute usage points of a game server (state <c>usage</c>, beside <c>game</c> in the containers storage),
/// oldest first, at most <c>Usage:MinutePoints</c>: written in batches, not with every point (see
/// <see cref="UsageOptions.PersistInterval"/>), so a silo restart or a deactivation loses at most a batch.
/// </summary>
[GenerateSerializer]
internal sealed class UsageHistory
{
    [Id(0)]
    public List<UsagePoint> Minute { get; set; } = [];
}
