using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>
/// The newest usage points of one resolution, at most <paramref name="capacity"/>, oldest first. A point no newer than the
/// last one kept is dropped: agent reports are retried and may overlap, and time never runs backwards in a series.
/// </summary>
internal sealed class UsageRing(int capacity)
{
    private readonly Queue<UsagePoint> _points = new(Math.Min(capacity, 64));
    private UsagePoint? _last;

    public int Count => _points.Count;

    /// <summary>False when the point was dropped for not being newer than the last one.</summary>
    public bool Add(UsagePoint point)
    {
        if (_last is { } last && point.At <= last.At)
        {
            return false;
        }

        if (_points.Count == capacity)
        {
            _points.Dequeue();
        }

        _points.Enqueue(point);
        _last = point;
        return true;
    }

    /// <summary>The points at or after <paramref name="since"/>, oldest first.</summary>
    public UsagePoint[] Since(DateTimeOffset since) => [.. _points.Where(p => p.At >= since)];
}
