using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Session lookups for the tunnel. An open IDE sends a request per keystroke, so a lookup is trusted for
/// <see cref="IdeTunnelOptions.SessionCacheTtl"/> (≤ 5 s), and for as long as <see cref="IdeTunnelOptions.FeedTrustedSessionMaxAge"/>
/// while the cluster's session feed keeps answering (<see cref="IdeSessionFeed"/> drops what it reports changed).
/// Either way a revocation bites within 5 s. Entries are keyed by container and session, so one container's cookie
/// never opens another; concurrent misses for one key share a single lookup.
/// </summary>
internal sealed class IdeSessionCache : IDisposable
{
    private readonly ConcurrentDictionary<SessionKey, Entry> _entries = new();
    private readonly IGrainFactory _grains;
    private readonly UpstreamPolicy _upstreams;
    private readonly TimeProvider _timeProvider;
    private readonly long _ttl;
    private readonly long _maxAge;
    private readonly int _maxEntries;
    private readonly ITimer _sweeper;
    private long _feedTrustedUntil = long.MinValue;
    private int _count;

    public IdeSessionCache(IGrainFactory grains, UpstreamPolicy upstreams, TimeProvider timeProvider, IOptions<IdeTunnelOptions> options)
    {
        _grains = grains;
        _upstreams = upstreams;
        _timeProvider = timeProvider;
        var settings = options.Value;
        _ttl = ToTimestampTicks(settings.SessionCacheTtl);
        _maxAge = ToTimestampTicks(settings.FeedTrustedSessionMaxAge);
        _maxEntries = settings.MaxCachedSessions;
        var sweepEvery = settings.SessionCacheTtl * 4;
        _sweeper = timeProvider.CreateTimer(static state => ((IdeSessionCache)state!).Sweep(), this, sweepEvery, sweepEvery);
    }

    internal int Count => Volatile.Read(ref _count);

    public ValueTask<IdeSessionView> GetAsync(long containerId, string sessionId)
    {
        var key = new SessionKey(containerId, sessionId);
        var now = _timeProvider.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry) && IsTrusted(entry, now) && !entry.Lookup.IsFaulted)
        {
            return entry.Lookup.IsCompletedSuccessfully
                ? new ValueTask<IdeSessionView>(entry.Lookup.Result)
                : new ValueTask<IdeSessionView>(entry.Lookup);
        }

        return new ValueTask<IdeSessionView>(Refresh(key, now, entry));
    }

    /// <summary>The feed answered a poll begun at <paramref name="pollStarted"/>: what it did not report changed is still good.</summary>
    public void FeedAnswered(long pollStarted) => Volatile.Write(ref _feedTrustedUntil, pollStarted + _ttl);

    /// <summary>Drops every lookup of these containers; the next request of each asks the grain.</summary>
    public void Forget(IReadOnlyCollection<long> containerIds)
    {
        var changed = new HashSet<long>(containerIds);
        foreach (var pair in _entries)
        {
            if (changed.Contains(pair.Key.ContainerId))
            {
                Remove(pair);
            }
        }
    }

    /// <summary>Drops every lookup (the feed restarted or this gateway fell too far behind it).</summary>
    public void ForgetAll()
    {
        foreach (var pair in _entries)
        {
            Remove(pair);
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private bool IsTrusted(Entry entry, long now)
    {
        var age = now - entry.FetchedAt;
        return age < _ttl || (age < _maxAge && now < Volatile.Read(ref _feedTrustedUntil));
    }

    private Task<IdeSessionView> Refresh(SessionKey key, long now, Entry? stale)
    {
        // The entry is in the map before its lookup is sent, so a change the feed reports from now on removes it:
        // a lookup answered before a revocation can never outlive the poll that reports the revocation.
        var fresh = new Entry(now);
        if (stale is not null)
        {
            _entries.TryUpdate(key, fresh, stale);
        }
        else if (Volatile.Read(ref _count) < _maxEntries && _entries.TryAdd(key, fresh))
        {
            Interlocked.Increment(ref _count);
        }

        _ = FetchAsync(key, fresh);
        return fresh.Lookup;
    }

    private async Task FetchAsync(SessionKey key, Entry entry)
    {
        try
        {
            var lookup = await _grains.GetGrain<IDevContainerGrain>(key.ContainerId).ResolveIdeSessionAsync(key.SessionId);
            entry.Answer.SetResult(IdeSessionView.From(lookup, _upstreams));
        }
        catch (Exception exception)
        {
            // A failed lookup is not an answer: forget it so the next request asks again.
            Remove(new KeyValuePair<SessionKey, Entry>(key, entry));
            entry.Answer.SetException(exception);
        }
    }

    private void Sweep()
    {
        var now = _timeProvider.GetTimestamp();
        foreach (var pair in _entries)
        {
            if (!IsTrusted(pair.Value, now))
            {
                Remove(pair);
            }
        }
    }

    private void Remove(KeyValuePair<SessionKey, Entry> pair)
    {
        if (_entries.TryRemove(pair))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private long ToTimestampTicks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);

    private readonly record struct SessionKey(long ContainerId, string SessionId);

    private sealed class Entry(long fetchedAt)
    {
        public long FetchedAt { get; } = fetchedAt;

        public TaskCompletionSource<IdeSessionView> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IdeSessionView> Lookup => Answer.Task;
    }
}
