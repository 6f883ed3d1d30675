using System.Net;
using System.Text.RegularExpressions;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>Refuses code-server settings that could never work, with the key and the bad value in the message.</summary>
internal sealed partial class CodeServerOptionsValidator() : SectionValidator<CodeServerOptions>(CodeServerOptions.SectionName, Check)
{
    private static OptionsFailures Check(CodeServerOptions options, OptionsFailures failures)
    {
        failures
            .Require(IPAddress.TryParse(options.BindAddress, out _), nameof(options.BindAddress), $"must be an IP address, not '{options.BindAddress}'")
            .Require(options.AdvertiseAddress is null || IPAddress.TryParse(options.AdvertiseAddress, out _), nameof(options.AdvertiseAddress), $"must be an IP address, not '{options.AdvertiseAddress}'")
            .Require(options.Port is >= 1 and <= 65535, nameof(options.Port), $"must be between 1 and 65535, not {options.Port}");
        if (options.ArtifactUrl is not null)
        {
            failures
                .Require(
                    Uri.TryCreate(options.ArtifactUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps),
                    nameof(options.ArtifactUrl),
                    "must be an absolute http or https URL")
                .Require(options.ArtifactSha256 is not null && Sha256Pattern().IsMatch(options.ArtifactSha256), nameof(options.ArtifactSha256), "must be 64 hexadecimal characters when ArtifactUrl is set")
                .Require(options.ArtifactSizeBytes > 0, nameof(options.ArtifactSizeBytes), $"must be positive when ArtifactUrl is set, not {options.ArtifactSizeBytes}");
        }

        failures.Require(!string.IsNullOrWhiteSpace(options.Auth), nameof(options.Auth), "must be set (usually 'none')");
        foreach (var (key, value) in new[] { ("StartTimeout", options.StartTimeout), ("ReadyProbeInterval", options.ReadyProbeInterval), ("ReadyProbeTimeout", options.ReadyProbeTimeout), ("StopTimeout", options.StopTimeout) })
        {
            failures.Require(value > TimeSpan.Zero, key, $"must be positive, not {value}");
        }

        return failures;
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}
