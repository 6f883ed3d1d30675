using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>What the tunnel decided about one session lookup, prepared once per lookup so each proxied request does no work.</summary>
internal sealed class IdeSessionView
{
    private const string ReadyState = "Ready";

    private IdeSessionView(IdeAccessStatus status, DateTimeOffset expiresAt, string? destination, string? unavailableReason)
    {
        Status = status;
        ExpiresAt = expiresAt;
        Destination = destination;
        UnavailableReason = unavailableReason;
    }

    /// <summary>A refusal remembered by the negative cache (the grain's exact reason is not kept).</summary>
    public static IdeSessionView Refused { get; } = new(IdeAccessStatus.Unknown, DateTimeOffset.MinValue, null, null);

    public IdeAccessStatus Status { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>"http://ip:port" of the IDE (the platform's address for the container) when it should answer; otherwise null.</summary>
    public string? Destination { get; }

    /// <summary>Why the IDE is not reachable (for the 503 page), when the session itself is valid.</summary>
    public string? UnavailableReason { get; }

    public static IdeSessionView From(long containerId, IdeSessionLookup lookup, UpstreamPolicy upstreams)
    {
        if (lookup.Status != IdeAccessStatus.Accepted || lookup.ExpiresAt is not { } expiresAt)
        {
            return new IdeSessionView(lookup.Status == IdeAccessStatus.Accepted ? IdeAccessStatus.Unknown : lookup.Status, DateTimeOffset.MinValue, null, null);
        }

        string? reason = null;
        if (!string.Equals(lookup.ContainerState, ReadyState, StringComparison.Ordinal))
        {
            reason = "The container is " + lookup.ContainerState + ".";
        }
        else if (lookup.Connectivity != Connectivity.Connected)
        {
            reason = "The container's agent is " + (lookup.Connectivity == Connectivity.Unreachable ? "unreachable" : "not connected yet") + ".";
        }
        else if (lookup.CodeServer != CodeServerState.Running)
        {
            reason = "code-server is " + lookup.CodeServer.ToString().ToLowerInvariant() + ".";
        }

        string? destination = null;
        if (reason is null)
        {
            reason = upstreams.Check(lookup.Upstream ?? upstreams.FromContainerNetwork(containerId), out destination) switch
            {
                UpstreamVerdict.Unknown => "The IDE's address is not known to the platform yet.",
                UpstreamVerdict.Refused => "The IDE's address is one this gateway does not connect to.",
                _ => null,
            };
        }

        return new IdeSessionView(IdeAccessStatus.Accepted, expiresAt, destination, reason);
    }
}
