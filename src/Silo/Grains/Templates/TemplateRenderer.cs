using System.Globalization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Silo.Grains.Templates;

/// <summary>
/// Turns a provisioning request (template name, variables, memory; a start command only for an editable template) into
/// the spec the agent runs: each argv word filled in one pass with validated values, so a value is one argument and
/// never shell syntax (the agent single-quotes each word for the shim's <c>/bin/sh</c>).
/// </summary>
internal static class TemplateRenderer
{
    /// <summary>Throws <see cref="InvalidRequestException"/> naming the field (<c>startCommand</c>, <c>variables.x</c>, ...) on a bad request.</summary>
    public static GameServerSpec Render(GameTemplate template, GameServerSpec request)
    {
        var given = request.Variables ?? new Dictionary<string, string>();
        if (given.Count > GameTemplateRules.MaxItems + 1)
        {
            throw new InvalidRequestException($"variables must be at most {GameTemplateRules.MaxItems + 1}.");
        }

        var editable = template.StartCommandEditable;
        if (!editable && !string.IsNullOrWhiteSpace(request.StartCommand))
        {
            throw new InvalidRequestException($"startCommand is refused: template {template.Name} renders its own start command; only an editable template (such as {GameTemplateRules.Generic}) takes one.");
        }

        if (editable && string.IsNullOrWhiteSpace(request.StartCommand))
        {
            throw new InvalidRequestException($"startCommand is required with template {template.Name}.");
        }

        if (!editable && request.StopCommand is not null)
        {
            throw new InvalidRequestException($"stopCommand is refused: template {template.Name} has its own stop method.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GameTemplateRules.MemoryMb] = request.MemoryMb.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var variable in template.Variables)
        {
            values[variable.Name] = variable.Default;
        }

        int? port = template.DefaultPort;
        foreach (var (name, value) in given.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (name == GameTemplateRules.Port && port is not null)
            {
                port = ParsePort(value);
                continue;
            }

            var variable = template.Variables.FirstOrDefault(v => v.Name == name)
                ?? throw new InvalidRequestException(
                    $"variables.{ZlhGrind.Grains.Runtimes.RuntimeEntryRules.Printable(name)} is not a variable of template {template.Name}; it takes: {string.Join(", ", Takes(template))}.");
            if (GameTemplateRules.ValueProblem(variable, value) is { } problem)
            {
                throw new InvalidRequestException($"variables.{name} {problem}");
            }

            values[name] = value;
        }

        if (port is { } p)
        {
            values[GameTemplateRules.Port] = p.ToString(CultureInfo.InvariantCulture);
        }

        // {{serverDir}} is the agent's to fill: only it knows where the server directory is.
        var argv = template.StartCommand.Select(word => GameTemplateRules.Fill(word, name => values.GetValueOrDefault(name))).ToArray();
        var stop = editable && !string.IsNullOrWhiteSpace(request.StopCommand) ? template.Stop with { ConsoleCommand = request.StopCommand } : template.Stop;
        var launch = new GameLaunch(
            template.Version,
            argv,
            port,
            stop,
            template.Readiness.ConsolePattern,
            template.Readiness.ProbePort ? port : null,
            template.Readiness.StartTimeout,
            template.CrashRules,
            template.ModsDirectory,
            template.FileDenylist,
            template.Install,
            template.ConfigFiles?.Select(file => file with { Content = GameTemplateRules.Fill(file.Content, name => values.GetValueOrDefault(name)) }).ToArray(),
            template.Readiness.ProbePort ? template.Readiness.ProbeUdpPayloadHex : null);
        return request with
        {
            StartCommand = editable ? request.StartCommand : string.Join(' ', argv),
            StopCommand = stop.ConsoleCommand,
            Variables = values.Where(v => v.Key != GameTemplateRules.MemoryMb).ToDictionary(StringComparer.Ordinal),
            Launch = launch,
        };
    }

    private static IEnumerable<string> Takes(GameTemplate template)
    {
        var names = template.Variables.Select(v => v.Name);
        names = template.DefaultPort is null ? names : names.Prepend(GameTemplateRules.Port);
        return names.DefaultIfEmpty("no variables");
    }

    private static int ParsePort(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= GameTemplateRules.MinPort and <= GameTemplateRules.MaxPort
            ? port
            : throw new InvalidRequestException($"variables.port must be a whole number between {GameTemplateRules.MinPort} and {GameTemplateRules.MaxPort}.");
}
