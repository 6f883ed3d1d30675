using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ZlhGrind.Silo.Authorization;

/// <summary>Registers the silo's door: who may call, what their secrets become, and how large a message may be.</summary>
internal static class CallAuthorizationExtensions
{
    public static ISiloBuilder AddCallAuthorization(this ISiloBuilder builder, IConfiguration configuration)
    {
        var services = builder.Services;
        services.AddOptions<ClusterSecurityOptions>().Bind(configuration.GetSection(ClusterSecurityOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterSecurityOptions>, ClusterSecurityOptionsValidator>();
        services.AddSingleton<SiloCallProof>();
        builder.AddIncomingGrainCallFilter<CallAuthorizationFilter>();
        builder.AddOutgoingGrainCallFilter<SecretScrubbingFilter>();

        // Orleans reads up to 100 MB per message by default; a hostile client must not make a silo buffer that.
        // A message over the limit closes the sender's connection before anything is deserialized.
        services.AddOptions<SiloMessagingOptions>().Configure<IOptions<ClusterSecurityOptions>>((messaging, security) =>
        {
            messaging.MaxMessageBodySize = security.Value.MaxMessageBodyBytes;
            messaging.MaxMessageHeaderSize = security.Value.MaxMessageHeaderBytes;
        });
        return builder;
    }
}
