using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Session lookups for the tunnel, trusted for <see cref="IdeTunnelOptions.SessionCacheTtl"/> (≤ 5 s): an open IDE
/// sends a request per keystroke, and only one of them per session per TTL costs a grain call, while a revoked
/// session stops working within the TTL. Entries are keyed by container and session, so one container's cookie
/// never opens another; concurrent misses for one key share a single lookup.
/// </summary>
internal sealed class IdeSessionCache : IDisposable
{
    private readonly ConcurrentDictionary<SessionKey, Entry> _entries = new();
    private readonly IGrainFactory _grains;
    private readonly UpstreamPolicy _upstreams;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _ttl;
    private readonly int _maxEntries;
    private readonly ITimer _sweeper;
    private int _count;

    public IdeSessionCache(IGrainFactory grains, UpstreamPolicy upstreams, TimeProvider timeProvider, IOptions<IdeTunnelOptions> options)
    {
        _grains = grains;
        _upstreams = upstreams;
        _timeProvider = timeProvider;
        _ttl = options.Value.SessionCacheTtl;
        _maxEntries = options.Value.MaxCachedSessions;
        var sweepEvery = _ttl * 4;
        _sweeper = timeProvider.CreateTimer(static state => ((IdeSessionCache)state!).Sweep(), this, sweepEvery, sweepEvery);
    }

    internal int Count => Volatile.Read(ref _count);

    public ValueTask<IdeSessionView> GetAsync(long containerId, string sessionId)
    {
        var key = new SessionKey(containerId, sessionId);
        var now = _timeProvider.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry) && _timeProvider.GetElapsedTime(entry.FetchedAt, now) < _ttl && !entry.Lookup.IsFaulted)
        {
            return entry.Lookup.IsCompletedSuccessfully
                ? new ValueTask<IdeSessionView>(entry.Lookup.Result)
                : new ValueTask<IdeSessionView>(entry.Lookup);
        }

        return new ValueTask<IdeSessionView>(Refresh(key, now, entry));
    }

    public void Dispose() => _sweeper.Dispose();

    private Task<IdeSessionView> Refresh(SessionKey key, long now, Entry? stale)
    {
        var fresh = new Entry(now);
        fresh.Lookup = FetchAsync(key, fresh);
        if (stale is not null)
        {
            _entries.TryUpdate(key, fresh, stale);
        }
        else if (Volatile.Read(ref _count) < _maxEntries && _entries.TryAdd(key, fresh))
        {
            Interlocked.Increment(ref _count);
        }

        return fresh.Lookup;
    }

    private async Task<IdeSessionView> FetchAsync(SessionKey key, Entry entry)
    {
        try
        {
            var lookup = await _grains.GetGrain<IDevContainerGrain>(key.ContainerId).ResolveIdeSessionAsync(key.SessionId);
            return IdeSessionView.From(lookup, _upstreams);
        }
        catch
        {
            // A failed lookup is not an answer: forget it so the next request asks again.
            if (_entries.TryRemove(new KeyValuePair<SessionKey, Entry>(key, entry)))
            {
                Interlocked.Decrement(ref _count);
            }

            throw;
        }
    }

    private void Sweep()
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var pair in _entries)
        {
            if (_timeProvider.GetElapsedTime(pair.Value.FetchedAt, now) >= _ttl && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private readonly record struct SessionKey(long ContainerId, string SessionId);

    private sealed class Entry(long fetchedAt)
    {
        public long FetchedAt { get; } = fetchedAt;

        public Task<IdeSessionView> Lookup { get; set; } = null!;
    }
}
