namespace ZlhGrind.Gateway.Portal;

/// <summary>Checks <see cref="AgentSetupOptions"/> at start; every failure names its full key.</summary>
internal sealed class AgentSetupOptionsValidator() : SectionValidator<AgentSetupOptions>(AgentSetupOptions.SectionName, Check)
{
    private static OptionsFailures Check(AgentSetupOptions options, OptionsFailures failures)
    {
        failures
            .Require(!string.IsNullOrWhiteSpace(options.Command), nameof(options.Command), "must not be empty.")
            .Require(Path.IsPathFullyQualified(options.CredentialFile ?? ""), nameof(options.CredentialFile), $"must be an absolute path, not '{options.CredentialFile}'.")
            .Require(Path.IsPathFullyQualified(options.CaCertificate ?? ""), nameof(options.CaCertificate), $"must be an absolute path, not '{options.CaCertificate}'.");
        for (var i = 0; i < options.ClusterGateways.Count; i++)
        {
            failures.Require(IsHostAndPort(options.ClusterGateways[i]), $"{nameof(options.ClusterGateways)}:{i}", $"must be host:port, not '{options.ClusterGateways[i]}'.");
        }

        return Arguments(Arguments(failures, nameof(options.GameArguments), options.GameArguments), nameof(options.DevArguments), options.DevArguments);
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
    private static OptionsFailures Arguments(OptionsFailures failures, string key, List<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i] ?? "";
            var oneWord = argument.StartsWith("--Agent:", StringComparison.Ordinal) && argument.Contains('=', StringComparison.Ordinal)
                && !argument.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\' or '$' or '`' or ';' or '&' or '|' or '<' or '>' or '(' or ')' or '*' or '?' or '#');
            failures.Require(oneWord, $"{key}:{i}", $"must be one --Agent:Key=value word without spaces or shell characters, not '{argument}'.");
        }

        return failures;
    }
}
