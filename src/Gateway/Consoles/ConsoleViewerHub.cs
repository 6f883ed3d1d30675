using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Gateway.Consoles;

/// <summary>
/// One viewer (one observer reference) per console grain per gateway, shared by every socket of that console here: the
/// grain fans a chunk out once per gateway, not once per browser, and this gateway hands it to its sockets. Each socket
/// still watches with its own actor (so each is authorized, and each renews the one lease); the last socket to leave
/// unwatches and drops the reference.
/// </summary>
internal sealed partial class ConsoleViewerHub(IClusterClient client, ILogger<ConsoleViewerHub> logger)
{
    private readonly Dictionary<GrainId, Shared> _shared = [];
    private readonly Lock _gate = new();

    /// <summary>The sockets sharing <paramref name="grain"/>'s one viewer on this gateway (0: it is not watched from here).</summary>
    internal int Members(IConsoleGrain grain)
    {
        lock (_gate)
        {
            return _shared.TryGetValue(grain.GetGrainId(), out var shared) ? shared.Members.Length : 0;
        }
    }

    /// <summary>Adds <paramref name="member"/> to the shared viewer of <paramref name="grain"/> (made on first use); watch with its <see cref="Shared.Reference"/>.</summary>
    public Shared Join(IConsoleGrain grain, IConsoleViewer member)
    {
        var key = grain.GetGrainId();
        lock (_gate)
        {
            if (!_shared.TryGetValue(key, out var shared))
            {
                shared = new Shared(grain);

                // The fan-out object is held here (the dictionary) for as long as a socket uses it: the cluster client
                // keeps observer objects only weakly.
                shared.Reference = client.CreateObjectReference<IConsoleViewer>(shared);
                _shared[key] = shared;
            }

            shared.Members = [.. shared.Members, member];
            return shared;
        }
    }

    /// <summary>Takes <paramref name="member"/> out; the last one unwatches the grain and drops the reference.</summary>
    public async Task LeaveAsync(Shared shared, IConsoleViewer member)
    {
        lock (_gate)
        {
            shared.Members = Array.FindAll(shared.Members, m => m != member);
            if (shared.Members.Length > 0)
            {
                return;
            }

            _shared.Remove(shared.Grain.GetGrainId());
        }

        try
        {
            await shared.Grain.UnwatchAsync(shared.Reference);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnwatchFailed(logger, ex);
        }
        finally
        {
            client.DeleteObjectReference<IConsoleViewer>(shared.Reference);
        }
    }

    /// <summary>The one viewer of a console grain on this gateway: hands every chunk and a revocation to each socket.</summary>
    internal sealed class Shared(IConsoleGrain grain) : IConsoleViewer
    {
        public IConsoleGrain Grain => grain;

        public IConsoleViewer Reference { get; set; } = null!;

        /// <summary>Replaced whole under the hub's lock, read without it.</summary>
        public IConsoleViewer[] Members { get; set; } = [];

        public Task OutputAsync(ConsoleChunk chunk)
        {
            // A socket only queues the chunk (its own bounded queue): no member can hold up the others.
            foreach (var member in Members)
            {
                _ = member.OutputAsync(chunk);
            }

            return Task.CompletedTask;
        }

        public Task RevokedAsync(string reason)
        {
            foreach (var member in Members)
            {
                _ = member.RevokedAsync(reason);
            }

            return Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending a console watch failed; the grain's lease ends it")]
    private static partial void LogUnwatchFailed(ILogger logger, Exception exception);
}
