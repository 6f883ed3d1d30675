using System.Globalization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Agent.Identity;

/// <summary>Checks the agent's identity options at start, with one clear message per bad value.</summary>
internal sealed class AgentOptionsValidator() : SectionValidator<AgentOptions>(AgentOptions.SectionName, Check)
{
    private static OptionsFailures Check(AgentOptions options, OptionsFailures failures)
    {
        failures
            .Require(
                ContainerId.IsValid(options.ContainerId),
                nameof(options.ContainerId),
                $"must be a container id from {ContainerId.Min} to {ContainerId.Max} (got {options.ContainerId.ToString(CultureInfo.InvariantCulture)}).")
            .Require(options.Kind is AgentOptions.GameKind or AgentOptions.DevKind, nameof(options.Kind), $"must be '{AgentOptions.GameKind}' or '{AgentOptions.DevKind}' (got '{options.Kind}').")
            .Worded(AgentCredentialFile.Check(options.CredentialFile));
        if (string.IsNullOrWhiteSpace(options.DataRoot) || !Path.IsPathFullyQualified(options.DataRoot))
        {
            return failures.Require(false, nameof(options.DataRoot), $"must be an absolute directory path (got '{options.DataRoot}').");
        }

        try
        {
            Directory.CreateDirectory(options.DataRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failures.Require(false, nameof(options.DataRoot), $"'{options.DataRoot}' cannot be created: {ex.Message}");
        }

        return failures;
    }
}
