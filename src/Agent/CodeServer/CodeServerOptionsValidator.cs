using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Refuses code-server settings that could never work, with the key and the bad value in the message.</summary>
internal sealed partial class CodeServerOptionsValidator : IValidateOptions<CodeServerOptions>
{
    public ValidateOptionsResult Validate(string? name, CodeServerOptions options)
    {
        const string Section = CodeServerOptions.SectionName;
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"{Section}:BindAddress must be an IP address, not '{options.BindAddress}'");
        }

        if (options.AdvertiseAddress is not null && !IPAddress.TryParse(options.AdvertiseAddress, out _))
        {
            errors.Add($"{Section}:AdvertiseAddress must be an IP address, not '{options.AdvertiseAddress}'");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{Section}:Port must be between 1 and 65535, not {options.Port}");
        }

        if (options.ArtifactUrl is not null)
        {
            if (!Uri.TryCreate(options.ArtifactUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{Section}:ArtifactUrl must be an absolute http or https URL");
            }

            if (options.ArtifactSha256 is null || !Sha256Pattern().IsMatch(options.ArtifactSha256))
            {
                errors.Add($"{Section}:ArtifactSha256 must be 64 hexadecimal characters when ArtifactUrl is set");
            }

            if (options.ArtifactSizeBytes <= 0)
            {
                errors.Add($"{Section}:ArtifactSizeBytes must be positive when ArtifactUrl is set, not {options.ArtifactSizeBytes}");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Auth))
        {
            errors.Add($"{Section}:Auth must be set (usually 'none')");
        }

        foreach (var (key, value) in new[] { ("StartTimeout", options.StartTimeout), ("ReadyProbeInterval", options.ReadyProbeInterval), ("ReadyProbeTimeout", options.ReadyProbeTimeout), ("StopTimeout", options.StopTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{Section}:{key} must be positive, not {value}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
