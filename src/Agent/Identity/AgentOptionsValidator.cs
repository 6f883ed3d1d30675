using System.Globalization;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Agent.Identity;

/// <summary>Checks the agent's identity options at start, with one clear message per bad value.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (!ContainerId.IsValid(options.ContainerId))
        {
            failures.Add($"Agent:ContainerId must be a container id from {ContainerId.Min} to {ContainerId.Max} (got {options.ContainerId.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.Kind is not (AgentOptions.GameKind or AgentOptions.DevKind))
        {
            failures.Add($"Agent:Kind must be '{AgentOptions.GameKind}' or '{AgentOptions.DevKind}' (got '{options.Kind}').");
        }

        if (AgentCredentialFile.Check(options.CredentialFile) is { } credentialProblem)
        {
            failures.Add(credentialProblem);
        }

        if (string.IsNullOrWhiteSpace(options.DataRoot) || !Path.IsPathFullyQualified(options.DataRoot))
        {
            failures.Add($"Agent:DataRoot must be an absolute directory path (got '{options.DataRoot}').");
        }
        else
        {
            try
            {
                Directory.CreateDirectory(options.DataRoot);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Add($"Agent:DataRoot '{options.DataRoot}' cannot be created: {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
