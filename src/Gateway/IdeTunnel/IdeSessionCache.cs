using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZlhGrind.Gateway.Cluster;
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
    private readonly ConcurrentDictionary<SessionKey, long> _negative = new();
    private readonly long _negativeTtl;
    private readonly int _maxNegative;
    private long _lastFailureAt = long.MinValue;
    private int _negativeCount;
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
        _negativeTtl = ToTimestampTicks(settings.NegativeCacheTtl);
        _maxNegative = settings.MaxNegativeCachedSessions;
        var sweepEvery = settings.SessionCacheTtl * 4;
        _sweeper = timeProvider.CreateTimer(static state => ((IdeSessionCache)state!).Sweep(), this, sweepEvery, sweepEvery);
    }

    internal int Count => Volatile.Read(ref _count);

    internal int NegativeCount => Volatile.Read(ref _negativeCount);

    /// <summary>The answer for a session, from the cache when it may be trusted, else from the container's grain.</summary>
    public ValueTask<IdeSessionView> GetAsync(long containerId, string sessionId) =>
        Probe(containerId, sessionId, out var answer) switch
        {
            CacheProbe.Hit => answer,
            CacheProbe.KnownBad => new ValueTask<IdeSessionView>(IdeSessionView.Refused),
            _ => LookupAsync(containerId, sessionId),
        };

    /// <summary>
    /// What the cache can say without asking the cluster: a trusted answer (or one already on its way), a remembered
    /// refusal, or nothing. While the cluster is failing, an accepted answer younger than
    /// <see cref="IdeTunnelOptions.FeedTrustedSessionMaxAge"/> keeps serving: nothing can revoke it while the silo is down.
    /// </summary>
    public CacheProbe Probe(long containerId, string sessionId, out ValueTask<IdeSessionView> answer)
    {
        answer = default;
        var key = new SessionKey(containerId, sessionId);
        var now = _timeProvider.GetTimestamp();
        if (IsKnownBad(new SessionKey(containerId, ""), now) || IsKnownBad(key, now))
        {
            return CacheProbe.KnownBad;
        }

        if (!_entries.TryGetValue(key, out var entry) || entry.Lookup.IsFaulted)
        {
            return CacheProbe.Miss;
        }

        if (IsTrusted(entry, now) || IsOutageServable(entry, now))
        {
            answer = entry.Lookup.IsCompletedSuccessfully
                ? new ValueTask<IdeSessionView>(entry.Lookup.Result)
                : new ValueTask<IdeSessionView>(entry.Lookup);
            return CacheProbe.Hit;
        }

        return CacheProbe.Miss;
    }

    /// <summary>Asks the container's grain (concurrent callers of one key share the call).</summary>
    public ValueTask<IdeSessionView> LookupAsync(long containerId, string sessionId)
    {
        var key = new SessionKey(containerId, sessionId);
        _entries.TryGetValue(key, out var stale);
        return new ValueTask<IdeSessionView>(Refresh(key, _timeProvider.GetTimestamp(), stale));
    }

    /// <summary>Remembers for <see cref="IdeTunnelOptions.NegativeCacheTtl"/> that this id is no dev container.</summary>
    public void RememberNoDevContainer(long containerId) => RememberBad(new SessionKey(containerId, ""));

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

        // A container provisioned since is no longer "not a dev container".
        foreach (var pair in _negative)
        {
            if (changed.Contains(pair.Key.ContainerId) && _negative.TryRemove(pair))
            {
                Interlocked.Decrement(ref _negativeCount);
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

        _ = FetchAsync(key, fresh, stale);
        return fresh.Lookup;
    }

    private async Task FetchAsync(SessionKey key, Entry entry, Entry? stale)
    {
        try
        {
            var lookup = await _grains.GetGrain<IDevContainerGrain>(key.ContainerId).ResolveIdeSessionAsync(key.SessionId);
            var view = IdeSessionView.From(key.ContainerId, lookup, _upstreams);
            if (view.Status != IdeAccessStatus.Accepted)
            {
                // Refusals live in the small negative cache, so random cookies never crowd out real sessions.
                Remove(new KeyValuePair<SessionKey, Entry>(key, entry));
                RememberBad(key);
            }

            entry.Answer.SetResult(view);
        }
        catch (Exception exception)
        {
            var now = _timeProvider.GetTimestamp();

            // Only the cluster being out of reach vouches for stale sessions; any other failure says nothing of it.
            if (ClusterOutageMonitor.IsOutage(exception))
            {
                Volatile.Write(ref _lastFailureAt, now);
            }

            if (stale is not null && IsOutageServable(stale, now) && _entries.TryUpdate(key, stale, entry))
            {
                // The cluster did not answer; nothing changed about the session as far as anyone can tell.
                entry.Answer.SetResult(stale.Lookup.Result);
                return;
            }

            // A failed lookup is not an answer: forget it so the next request asks again.
            Remove(new KeyValuePair<SessionKey, Entry>(key, entry));
            entry.Answer.SetException(exception);
        }
    }

    private bool IsOutageServable(Entry entry, long now) =>
        Volatile.Read(ref _lastFailureAt) is var failedAt && failedAt != long.MinValue && now - failedAt < _ttl
        && now - entry.FetchedAt < _maxAge
        && entry.Lookup.IsCompletedSuccessfully
        && entry.Lookup.Result.Status == IdeAccessStatus.Accepted;

    private bool IsKnownBad(SessionKey key, long now) => _negative.TryGetValue(key, out var until) && now < until;

    private void RememberBad(SessionKey key)
    {
        var until = _timeProvider.GetTimestamp() + _negativeTtl;
        if (_negative.TryGetValue(key, out _))
        {
            _negative[key] = until;
        }
        else if (Volatile.Read(ref _negativeCount) < _maxNegative && _negative.TryAdd(key, until))
        {
            Interlocked.Increment(ref _negativeCount);
        }
    }

    private void Sweep()
    {
        var now = _timeProvider.GetTimestamp();
        // Accepted answers are kept until FeedTrustedSessionMaxAge even when no longer trusted: should the cluster
        // stop answering, they are what keeps open IDEs working. Only real sessions are here, so this stays small.
        foreach (var pair in _entries)
        {
            if (now - pair.Value.FetchedAt >= _maxAge)
            {
                Remove(pair);
            }
        }

        foreach (var pair in _negative)
        {
            if (now >= pair.Value && _negative.TryRemove(pair))
            {
                Interlocked.Decrement(ref _negativeCount);
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

    internal enum CacheProbe
    {
        Miss,
        Hit,
        KnownBad,
    }

    private readonly record struct SessionKey(long ContainerId, string SessionId);

    private sealed class Entry(long fetchedAt)
    {
        public long FetchedAt { get; } = fetchedAt;

        public TaskCompletionSource<IdeSessionView> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IdeSessionView> Lookup => Answer.Task;
    }
}
