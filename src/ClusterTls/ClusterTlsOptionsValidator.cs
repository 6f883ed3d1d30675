using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.ClusterTls;

/// <summary>Reads the certificate files at start, so a wrong path or a foreign certificate stops the process with the key named.</summary>
internal sealed class ClusterTlsOptionsValidator(string section, ClusterTlsRole role)
    : SectionValidator<ClusterTlsOptions>(section, (options, failures) => options.Enabled ? failures.Worded(Load(options, section, role)) : failures)
{
    // The loader words its failures with their full keys itself: the silo, the gateway and the agent each name their own section.
    private static List<string> Load(ClusterTlsOptions options, string section, ClusterTlsRole role)
    {
        var failures = new List<string>();
        ClusterTlsMaterial.TryLoad(options, section, role, failures);
        return failures;
    }
}
