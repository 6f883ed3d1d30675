using System.Collections.Concurrent;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>A real outgoing grain call filter on the gateway's cluster client that counts calls per grain and method.</summary>
public sealed class GrainCallCounter : IOutgoingGrainCallFilter
{
    private readonly ConcurrentDictionary<(GrainId Grain, string Method), int> _calls = new();

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        _calls.AddOrUpdate((context.TargetId, context.InterfaceMethod.Name), 1, static (_, n) => n + 1);
        return context.Invoke();
    }

    public int Count(GrainId grain, string method) => _calls.TryGetValue((grain, method), out var n) ? n : 0;
}
