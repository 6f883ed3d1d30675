using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace ZlhGrind.ClusterTls;

/// <summary>Puts TLS with the pinned CA on a silo's or a client's cluster links, from a configuration section.</summary>
public static class ClusterTlsBuilderExtensions
{
    /// <summary>The section silos and gateways read (<see cref="ClusterTlsOptions.SectionName"/>).</summary>
    public const string Section = ClusterTlsOptions.SectionName;

    private const string LoggerName = "ZlhGrind.ClusterTls";

    /// <summary>
    /// TLS on the silo-to-silo port (silo certificates only), the client port (client certificate optional or required)
    /// and the silo's own connections to other silos, when <c>{section}:Enabled</c> is true.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder builder, IConfiguration configuration, string section = Section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddOptions(builder.Services, configuration.GetSection(section), section, ClusterTlsRole.Silo);
        builder.Services.AddOptions<SiloConnectionOptions>().Configure<IOptions<ClusterTlsOptions>, ILoggerFactory>((connections, tls, logs) =>
        {
            if (Load(tls.Value, section, ClusterTlsRole.Silo) is not { } material)
            {
                return;
            }

            var links = new ClusterTlsLinks(material, logs.CreateLogger(LoggerName));
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(links.SiloInbound()));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(links.ClientInbound()));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(links.Outbound()));
        });
        return builder;
    }

    /// <summary>TLS on a client's connections to the silos' client ports, when <c>{section}:Enabled</c> is true.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder builder, IConfiguration configuration, string section = Section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddOptions(builder.Services, configuration.GetSection(section), section, ClusterTlsRole.Client);
        builder.Services.AddOptions<ClientConnectionOptions>().Configure<IOptions<ClusterTlsOptions>, ILoggerFactory>((connections, tls, logs) =>
        {
            if (Load(tls.Value, section, ClusterTlsRole.Client) is not { } material)
            {
                return;
            }

            var links = new ClusterTlsLinks(material, logs.CreateLogger(LoggerName));
            connections.ConfigureConnection(connection => connection.UseClientTls(links.Outbound()));
        });
        return builder;
    }

    private static void AddOptions(IServiceCollection services, IConfigurationSection configuration, string section, ClusterTlsRole role)
    {
        services.AddOptions<ClusterTlsOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterTlsOptions>>(new ClusterTlsOptionsValidator(section, role));
    }

    private static ClusterTlsMaterial? Load(ClusterTlsOptions options, string section, ClusterTlsRole role)
    {
        if (!options.Enabled)
        {
            return null;
        }

        // The validator has already passed these files; reading them again keeps no certificate in a static.
        var failures = new List<string>();
        return ClusterTlsMaterial.TryLoad(options, section, role, failures)
            ?? throw new OptionsValidationException(section, typeof(ClusterTlsOptions), failures);
    }
}
