using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>
/// How the agent's background services reach the cluster: the client is resolved when the service runs, not when the
/// host builds it (the host validates every options section before background services run, so a bad setting is
/// reported as such), and an agent host built without a cluster link (a configuration check) has none.
/// </summary>
internal static class ClusterClientAccess
{
    /// <summary>The cluster client, or false when this host has no cluster link (the caller then has nothing to do).</summary>
    public static bool TryGetClusterClient(this IServiceProvider services, [NotNullWhen(true)] out IClusterClient? client)
    {
        client = services.GetService<IClusterClient>();
        return client is not null;
    }
}
