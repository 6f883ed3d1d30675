using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.Lifecycle;
using G = ZlhGrind.Grains.GameServers.GameServerState;
using D = ZlhGrind.Grains.DevContainers.DevContainerState;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>Every pair of states, legal and illegal, checked against the lifecycle written out in DESIGN §3.</summary>
public sealed class LifecycleTests
{
    private static readonly HashSet<(G, G)> LegalGame =
    [
        (G.Provisioning, G.Installing), (G.Provisioning, G.Error),
        (G.Installing, G.Stopped), (G.Installing, G.Error),
        (G.Stopped, G.Starting), (G.Stopped, G.Installing),
        (G.Starting, G.Running), (G.Starting, G.Stopping), (G.Starting, G.Crashed), (G.Starting, G.Error),
        (G.Running, G.Stopping), (G.Running, G.Crashed),
        (G.Stopping, G.Stopped),
        (G.Crashed, G.Starting), (G.Crashed, G.Error), (G.Crashed, G.Stopped),
        (G.Error, G.Starting), (G.Error, G.Stopped), (G.Error, G.Installing),
    ];

    private static readonly HashSet<(D, D)> LegalDev =
    [
        (D.Provisioning, D.Installing), (D.Provisioning, D.Error),
        (D.Installing, D.Ready), (D.Installing, D.Error),
        (D.Ready, D.Installing), (D.Ready, D.Error),
        (D.Error, D.Installing),
    ];

    public static TheoryData<G, G> GamePairs()
    {
        var data = new TheoryData<G, G>();
        foreach (var from in Enum.GetValues<G>())
        {
            foreach (var to in Enum.GetValues<G>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    public static TheoryData<D, D> DevPairs()
    {
        var data = new TheoryData<D, D>();
        foreach (var from in Enum.GetValues<D>())
        {
            foreach (var to in Enum.GetValues<D>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GamePairs))]
    public void GameLifecycle_EveryPair_MatchesTheDesign(GameServerState from, GameServerState to)
    {
        var legal = from == to || LegalGame.Contains((from, to));

        Assert.Equal(legal, GameLifecycle.CanMove(from, to));
        if (legal)
        {
            GameLifecycle.EnsureCanMove(from, to);
        }
        else
        {
            var error = Assert.Throws<InvalidTransitionException>(() => GameLifecycle.EnsureCanMove(from, to));
            Assert.Equal($"A game server cannot go from {from} to {to}.", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(DevPairs))]
    public void DevLifecycle_EveryPair_MatchesTheDesign(DevContainerState from, DevContainerState to)
    {
        var legal = from == to || LegalDev.Contains((from, to));

        Assert.Equal(legal, DevLifecycle.CanMove(from, to));
        if (!legal)
        {
            Assert.Throws<InvalidTransitionException>(() => DevLifecycle.EnsureCanMove(from, to));
        }
    }
}
