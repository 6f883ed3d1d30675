using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ZlhGrind.Agent.Identity;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.ClusterTls;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>Registers the Orleans client (agent credential filter, static gateways, retrying connect), the outbox and the link.</summary>
internal static class ClusterLinkExtensions
{
    public static IHostApplicationBuilder AddClusterLink(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ClusterLinkOptions>().BindConfiguration(ClusterLinkOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterLinkOptions>, ClusterLinkOptionsValidator>();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();
        services.AddSingleton<AgentInfo>();
        services.AddSingleton(sp => new AgentOutbox(
            sp.GetRequiredService<IOptions<OutboxOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<AgentOutbox>>(),
            new OutboxJournal(
                Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataRoot, "outbox.journal"),
                sp.GetRequiredService<Orleans.Serialization.Serializer>())));
        services.AddSingleton<IAgentEvents>(sp => sp.GetRequiredService<AgentOutbox>());

        builder.UseOrleansClient(client =>
        {
            // Raw configuration, not IOptions: resolving validated options here would throw before the
            // host can print its clear list of configuration errors.
            client.UseStaticClustering(gateways => gateways.Configure(o => o.Gateways = Raw(configuration).GatewayUris()));
            client.Services.AddOptions<ClusterOptions>().Configure(o =>
            {
                var raw = Raw(configuration);
                o.ClusterId = raw.ClusterId;
                o.ServiceId = raw.ServiceId;
            });
            client.Services.AddOptions<ClientMessagingOptions>().Configure(o => o.ResponseTimeout = Raw(configuration).CallTimeout);
            client.UseConnectionRetryFilter<ConnectRetryFilter>();
            client.UseClusterTls(configuration, ClusterLinkOptions.TlsSection);
            client.Services.AddSingleton<IOutgoingGrainCallFilter>(_ =>
            {
                var agent = configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
                var credential = AgentCredentialFile.Check(agent.CredentialFile) is null ? AgentCredentialFile.TryRead(agent.CredentialFile) : null;
                return new AgentCredentialCallFilter(agent.ContainerId, credential ?? "");
            });
        });

        services.AddHostedService<ClusterLinkService>();
        return builder;
    }

    private static ClusterLinkOptions Raw(IConfiguration configuration) =>
        configuration.GetSection(ClusterLinkOptions.SectionName).Get<ClusterLinkOptions>() ?? new ClusterLinkOptions();
}
