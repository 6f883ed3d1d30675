using System.Collections.Concurrent;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>
/// A real outgoing grain call filter on the gateway's cluster client that counts calls per grain and method, and can
/// make the calls to one grain fail as they do while the cluster is unreachable.
/// </summary>
public sealed class GrainCallCounter : IOutgoingGrainCallFilter
{
    private readonly ConcurrentDictionary<(GrainId Grain, string Method), int> _calls = new();
    private readonly ConcurrentDictionary<GrainId, bool> _unreachable = new();

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        _calls.AddOrUpdate((context.TargetId, context.InterfaceMethod.Name), 1, static (_, n) => n + 1);
        if (_unreachable.ContainsKey(context.TargetId))
        {
            throw new SiloUnavailableException("test: the cluster is unreachable");
        }

        return context.Invoke();
    }

    /// <summary>Calls to <paramref name="grain"/> fail with <see cref="SiloUnavailableException"/> until the result is disposed.</summary>
    public IDisposable Unreachable(GrainId grain)
    {
        _unreachable[grain] = true;
        return new Restore(() => _unreachable.TryRemove(grain, out _));
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    public int Count(GrainId grain, string method) => _calls.TryGetValue((grain, method), out var n) ? n : 0;

    /// <summary>Calls of <paramref name="method"/> to any grain whose id <paramref name="grain"/> accepts (e.g. a system grain keyed by a stream).</summary>
    public int Count(Func<GrainId, bool> grain, string method) => _calls.Where(c => c.Key.Method == method && grain(c.Key.Grain)).Sum(c => c.Value);
}
