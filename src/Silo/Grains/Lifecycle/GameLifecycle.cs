using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.Lifecycle;

/// <summary>The game-server state machine of DESIGN §3: which observed transitions are legal.</summary>
internal static class GameLifecycle
{
    private static readonly Dictionary<GameServerState, GameServerState[]> Allowed = new()
    {
        [GameServerState.Provisioning] = [GameServerState.Installing, GameServerState.Error],
        [GameServerState.Installing] = [GameServerState.Stopped, GameServerState.Error],
        [GameServerState.Stopped] = [GameServerState.Starting, GameServerState.Installing],
        [GameServerState.Starting] = [GameServerState.Running, GameServerState.Stopping, GameServerState.Crashed, GameServerState.Error],
        [GameServerState.Running] = [GameServerState.Stopping, GameServerState.Crashed],

        // A process that dies while it is being stopped was asked to: that is a stop, not a crash.
        [GameServerState.Stopping] = [GameServerState.Stopped],

        // After a crash: the backoff restart, giving up, or the user stopping it during the wait.
        [GameServerState.Crashed] = [GameServerState.Starting, GameServerState.Error, GameServerState.Stopped],

        // Error stays until a user start (or a stop that acknowledges it).
        [GameServerState.Error] = [GameServerState.Starting, GameServerState.Stopped, GameServerState.Installing],
    };

    /// <summary>True when going from <paramref name="from"/> to <paramref name="to"/> is legal (staying put always is).</summary>
    public static bool CanMove(GameServerState from, GameServerState to) =>
        from == to || (Allowed.TryGetValue(from, out var next) && Array.IndexOf(next, to) >= 0);

    /// <summary>Throws <see cref="InvalidTransitionException"/> unless the move is legal.</summary>
    public static void EnsureCanMove(GameServerState from, GameServerState to)
    {
        if (!CanMove(from, to))
        {
            throw new InvalidTransitionException("game server", from.ToString(), to.ToString());
        }
    }
}
