using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.Containers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>The stored state of a game server. Versioned data: ids are never reused.</summary>
[GenerateSerializer]
internal sealed class GameServerRecord
{
    [Id(0)]
    public ContainerCore Core { get; set; } = new();

    [Id(1)]
    public GameServerSpec? Spec { get; set; }

    [Id(2)]
    public GameServerState State { get; set; } = GameServerState.Provisioning;

    [Id(3)]
    public DesiredPower Power { get; set; } = DesiredPower.Stopped;

    [Id(4)]
    public long PowerRequest { get; set; }

    [Id(5)]
    public PowerAction? LastAction { get; set; }

    /// <summary>Newest first, bounded by <see cref="ContainerOptions.CrashHistoryLimit"/>.</summary>
    [Id(6)]
    public List<CrashRecord> Crashes { get; set; } = [];

    /// <summary>All crashes ever recorded, including those pushed out of the bounded history.</summary>
    [Id(7)]
    public int CrashTotal { get; set; }

    /// <summary>Since when the server is ready (its template's readiness held); cleared when it leaves Running.</summary>
    [Id(8)]
    public DateTimeOffset? ReadyAt { get; set; }

    /// <summary>How the last requested stop ended.</summary>
    [Id(9)]
    public StopReport? LastStop { get; set; }

    /// <summary>The desired generation of the last spec change (provision or update); a server launched before it runs an older spec.</summary>
    [Id(10)]
    public long SpecGeneration { get; set; }
}
