namespace ZlhGrind.Silo.Authorization;

/// <summary>Checks the silo's security keys of the <c>Cluster</c> section at start.</summary>
internal sealed class ClusterSecurityOptionsValidator() : SectionValidator<ClusterSecurityOptions>(ClusterSecurityOptions.SectionName, static (options, failures) => failures
    .Require((options.ServiceKey ?? "").Length >= MinServiceKeyLength, nameof(options.ServiceKey), $"is required (at least {MinServiceKeyLength} characters): gateways prove themselves with it.")
    .Between(nameof(options.MaxMessageBodyBytes), options.MaxMessageBodyBytes, 64 * 1024, 100 * 1024 * 1024)
    .Between(nameof(options.MaxMessageHeaderBytes), options.MaxMessageHeaderBytes, 4 * 1024, 10 * 1024 * 1024))
{
    /// <summary>The shortest service key a silo accepts; gateways ask the same.</summary>
    private const int MinServiceKeyLength = 16;
}
