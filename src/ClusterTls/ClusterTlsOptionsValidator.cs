using Microsoft.Extensions.Options;

namespace ZlhGrind.ClusterTls;

/// <summary>Reads the certificate files at start, so a wrong path or a foreign certificate stops the process with the key named.</summary>
internal sealed class ClusterTlsOptionsValidator(string section, ClusterTlsRole role) : IValidateOptions<ClusterTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterTlsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        ClusterTlsMaterial.TryLoad(options, section, role, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
