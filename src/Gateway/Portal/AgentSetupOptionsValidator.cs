using Microsoft.Extensions.Options;

namespace ZlhGrind.Gateway.Portal;

/// <summary>Checks <see cref="AgentSetupOptions"/> at start; every failure names its full key.</summary>
internal sealed class AgentSetupOptionsValidator : IValidateOptions<AgentSetupOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentSetupOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Command))
        {
            errors.Add($"{AgentSetupOptions.SectionName}:Command must not be empty.");
        }

        if (!Path.IsPathFullyQualified(options.CredentialFile ?? ""))
        {
            errors.Add($"{AgentSetupOptions.SectionName}:CredentialFile must be an absolute path, not '{options.CredentialFile}'.");
        }

        if (!Path.IsPathFullyQualified(options.CaCertificate ?? ""))
        {
            errors.Add($"{AgentSetupOptions.SectionName}:CaCertificate must be an absolute path, not '{options.CaCertificate}'.");
        }

        for (var i = 0; i < options.ClusterGateways.Count; i++)
        {
            if (!IsHostAndPort(options.ClusterGateways[i]))
            {
                errors.Add($"{AgentSetupOptions.SectionName}:ClusterGateways:{i} must be host:port, not '{options.ClusterGateways[i]}'.");
            }
        }

        AddArgumentErrors(errors, nameof(AgentSetupOptions.GameArguments), options.GameArguments);
        AddArgumentErrors(errors, nameof(AgentSetupOptions.DevArguments), options.DevArguments);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHostAndPort(string? value)
    {
        var colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0
            && int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }

    // The portal pastes these into a shell command as they are: one "--Agent:Key=value" word each, nothing a shell
    // would read as more than that word.
    private static void AddArgumentErrors(List<string> errors, string key, List<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i] ?? "";
            if (!argument.StartsWith("--Agent:", StringComparison.Ordinal) || !argument.Contains('=', StringComparison.Ordinal)
                || argument.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\' or '$' or '`' or ';' or '&' or '|' or '<' or '>' or '(' or ')' or '*' or '?' or '#'))
            {
                errors.Add($"{AgentSetupOptions.SectionName}:{key}:{i} must be one --Agent:Key=value word without spaces or shell characters, not '{argument}'.");
            }
        }
    }
}
