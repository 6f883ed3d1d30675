using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>
/// The feed of dev containers whose IDE session answers changed. Nothing is persisted on purpose: after a restart
/// gateways see a new epoch and drop their cached lookups, which is always safe.
/// </summary>
internal sealed class IdeSessionFeedGrain : Grain, IIdeSessionFeedGrain
{
    private readonly ChangeWindow _changes = new(ChangeWindow.DefaultCapacity);

    public Task ChangedAsync(long containerId)
    {
        _changes.Add(containerId);
        return Task.CompletedTask;
    }

    public ValueTask<IdeSessionChanges> ChangesSinceAsync(Guid epoch, long version) => ValueTask.FromResult(_changes.Since(epoch, version));
}

/// <summary>The last <c>capacity</c> changed container ids, numbered from 1 within an epoch chosen at creation.</summary>
internal sealed class ChangeWindow(int capacity)
{
    /// <summary>How many changes a gateway may fall behind (at one poll a second) before it has to forget everything.</summary>
    public const int DefaultCapacity = 1 << 16;

    private readonly long[] _ids = new long[capacity];
    private long _version;

    public Guid Epoch { get; } = Guid.NewGuid();

    public void Add(long containerId)
    {
        _ids[_version % _ids.Length] = containerId;
        _version++;
    }

    public IdeSessionChanges Since(Guid epoch, long version)
    {
        if (epoch != Epoch || version > _version || version < _version - _ids.Length)
        {
            return new IdeSessionChanges(Epoch, _version, Complete: false, []);
        }

        var changed = new HashSet<long>();
        for (var v = version; v < _version; v++)
        {
            changed.Add(_ids[v % _ids.Length]);
        }

        return new IdeSessionChanges(Epoch, _version, Complete: true, [.. changed]);
    }
}
