using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.DevContainers;

/// <summary>A freshly issued IDE bootstrap token (shown once; the grain keeps only its hash).</summary>
[GenerateSerializer, Immutable, Alias("zlh.IdeTokenGrant")]
public sealed record IdeTokenGrant(string Token, DateTimeOffset ExpiresAt);

/// <summary>Why a token or session was refused, or that it was accepted.</summary>
public enum IdeAccessStatus
{
    Accepted = 0,
    Unknown = 1,
    Expired = 2,
    AlreadyUsed = 3,
    Revoked = 4,
}

/// <summary>The result of redeeming a bootstrap token: a session id for the cookie, or why not.</summary>
[GenerateSerializer, Immutable, Alias("zlh.IdeRedeemResult")]
public sealed record IdeRedeemResult(IdeAccessStatus Status, string? SessionId, DateTimeOffset? ExpiresAt);

/// <summary>
/// What the tunnel needs to know about a session: is it valid, until when, and where the IDE is. <c>Upstream</c> is the
/// container's address as the platform knows it (set by an operator, never by the agent), null while unknown.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.IdeSessionLookup")]
public sealed record IdeSessionLookup(
    IdeAccessStatus Status,
    DateTimeOffset? ExpiresAt,
    string ContainerState,
    Connectivity Connectivity,
    CodeServerState CodeServer,
    string? Upstream);

/// <summary>Limits of an operator-set container address.</summary>
public static class IdeAddress
{
    /// <summary>Longest address accepted ("[ipv6]:port" fits).</summary>
    public const int MaxLength = 64;
}
