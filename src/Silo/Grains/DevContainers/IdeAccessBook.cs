using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Containers;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>
/// IDE bootstrap tokens and sessions of one container, by hash only: a token is single use and short
/// lived; redeeming it opens a session whose id goes into the browser's cookie. Stored with the grain.
/// </summary>
[GenerateSerializer]
internal sealed class IdeAccessBook
{
    /// <summary>Token hash → when it expires and whether it was used.</summary>
    [Id(0)]
    public Dictionary<string, IdeTicket> Tokens { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Session hash → when it expires and whether it was revoked.</summary>
    [Id(1)]
    public Dictionary<string, IdeTicket> Sessions { get; set; } = new(StringComparer.Ordinal);

    public IdeTokenGrant IssueToken(DateTimeOffset now, IdeOptions options)
    {
        Prune(now);
        var token = Secrets.NewToken();
        Tokens[Secrets.HashKey(token)] = new IdeTicket(now + options.TokenLifetime, Spent: false);
        TrimOldest(Tokens, options.MaxOpen);
        return new IdeTokenGrant(token, now + options.TokenLifetime);
    }

    public IdeRedeemResult Redeem(string token, DateTimeOffset now, IdeOptions options)
    {
        var key = Secrets.HashKey(token);
        if (!Tokens.TryGetValue(key, out var ticket))
        {
            return new IdeRedeemResult(IdeAccessStatus.Unknown, null, null);
        }

        if (ticket.Spent)
        {
            return new IdeRedeemResult(IdeAccessStatus.AlreadyUsed, null, null);
        }

        if (now >= ticket.ExpiresAt)
        {
            return new IdeRedeemResult(IdeAccessStatus.Expired, null, null);
        }

        // Kept as spent until it would have expired, so a replay is told apart from a typo.
        Tokens[key] = ticket with { Spent = true };
        Prune(now);
        var session = Secrets.NewToken();
        var expiresAt = now + options.SessionLifetime;
        Sessions[Secrets.HashKey(session)] = new IdeTicket(expiresAt, Spent: false);
        TrimOldest(Sessions, options.MaxOpen);
        return new IdeRedeemResult(IdeAccessStatus.Accepted, session, expiresAt);
    }

    public (IdeAccessStatus Status, DateTimeOffset? ExpiresAt) Check(string sessionId, DateTimeOffset now)
    {
        if (!Sessions.TryGetValue(Secrets.HashKey(sessionId), out var ticket))
        {
            return (IdeAccessStatus.Unknown, null);
        }

        if (ticket.Spent)
        {
            return (IdeAccessStatus.Revoked, null);
        }

        return now >= ticket.ExpiresAt ? (IdeAccessStatus.Expired, null) : (IdeAccessStatus.Accepted, ticket.ExpiresAt);
    }

    /// <summary>Revokes every live session; returns how many there were.</summary>
    public int RevokeAll(DateTimeOffset now)
    {
        Prune(now);
        var revoked = 0;
        foreach (var (key, ticket) in Sessions)
        {
            if (!ticket.Spent)
            {
                Sessions[key] = ticket with { Spent = true };
                revoked++;
            }
        }

        return revoked;
    }

    private void Prune(DateTimeOffset now)
    {
        PruneExpired(Tokens, now);
        PruneExpired(Sessions, now);
    }

    private static void PruneExpired(Dictionary<string, IdeTicket> tickets, DateTimeOffset now)
    {
        foreach (var (key, ticket) in tickets)
        {
            if (now >= ticket.ExpiresAt)
            {
                tickets.Remove(key);
            }
        }
    }

    private static void TrimOldest(Dictionary<string, IdeTicket> tickets, int max)
    {
        while (tickets.Count > max)
        {
            var oldest = tickets.MinBy(t => t.Value.ExpiresAt);
            tickets.Remove(oldest.Key);
        }
    }
}

/// <summary>A token or session entry: its expiry, and whether it was used (token) or revoked (session).</summary>
[GenerateSerializer, Immutable, Alias("zlh.IdeTicket")]
internal sealed record IdeTicket(DateTimeOffset ExpiresAt, bool Spent);
