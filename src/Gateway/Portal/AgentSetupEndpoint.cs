using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ZlhGrind.ClusterTls;
using ZlhGrind.Gateway.Cluster;

namespace ZlhGrind.Gateway.Portal;

/// <summary>What the portal puts around a fresh credential to print the command that starts the container's agent.</summary>
/// <param name="Command">The agent program and its fixed arguments.</param>
/// <param name="CredentialFile">Where the command stores the credential.</param>
/// <param name="ClusterGateways">Silo client gateways as an agent dials them; empty when this gateway cannot tell.</param>
/// <param name="Tls">Whether the cluster links run over TLS (then the agent pins <paramref name="CaCertificate"/>).</param>
/// <param name="CaCertificate">The platform CA as the agent finds it.</param>
/// <param name="ClusterId">Orleans cluster id the agent must match.</param>
/// <param name="ServiceId">Orleans service id the agent must match.</param>
/// <param name="GameArguments">Extra arguments for game agents.</param>
/// <param name="DevArguments">Extra arguments for dev agents.</param>
internal sealed record AgentSetup(
    string Command,
    string CredentialFile,
    IReadOnlyList<string> ClusterGateways,
    bool Tls,
    string CaCertificate,
    string ClusterId,
    string ServiceId,
    IReadOnlyList<string> GameArguments,
    IReadOnlyList<string> DevArguments);

/// <summary><c>GET /api/agent-setup</c>: how agents are started on this platform (no secret in it; any signed-in user).</summary>
internal static class AgentSetupEndpoint
{
    public static RouteGroupBuilder MapAgentSetup(this RouteGroupBuilder api)
    {
        api.MapGet("/agent-setup", Read);
        return api;
    }

    // Read from configuration rather than IOptions<ClusterTlsOptions>: those are registered with the real Orleans
    // client only, and a host that brings its own client (a test cluster) must still describe its TLS.
    private static readonly string TlsEnabledKey = ConfigurationPath.Combine(ClusterTlsOptions.SectionName, nameof(ClusterTlsOptions.Enabled));

    private static Ok<AgentSetup> Read(IOptions<AgentSetupOptions> setup, IOptions<ClusterConnectionOptions> cluster, IConfiguration configuration) =>
        TypedResults.Ok(Describe(setup.Value, cluster.Value, configuration.GetValue<bool>(TlsEnabledKey)));

    internal static AgentSetup Describe(AgentSetupOptions setup, ClusterConnectionOptions cluster, bool tls) => new(
        setup.Command,
        setup.CredentialFile,
        setup.ClusterGateways.Count > 0 ? setup.ClusterGateways : GatewaysOf(cluster),
        tls,
        setup.CaCertificate,
        cluster.ClusterId,
        cluster.ServiceId,
        setup.GameArguments,
        setup.DevArguments);

    // In Postgres mode the silos' addresses are in the membership table as the silos see themselves; which of them
    // an agent can reach is the operator's to say (AgentSetup:ClusterGateways), so nothing is guessed.
    private static List<string> GatewaysOf(ClusterConnectionOptions cluster) => cluster.Mode switch
    {
        ClusterMode.Localhost => [string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{cluster.GatewayPort}")],
        ClusterMode.Static => cluster.Gateways,
        _ => [],
    };
}
