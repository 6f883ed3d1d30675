using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>
/// Merges an update into the stored spec as a provisioning request for <see cref="Templates.TemplateRenderer"/>, so an
/// update meets exactly the rules a provision does. Kept values are the stored ones (a template's new defaults do not
/// replace them); a stored value the template no longer takes is dropped.
/// </summary>
internal static class UpdateRequest
{
    public static GameServerSpec For(GameServerSpec current, GameServerUpdate update, GameTemplate template)
    {
        var atVersion = current.Launch?.TemplateVersion;
        if (update.TemplateVersion is { } wanted && wanted != template.Version)
        {
            throw new InvalidRequestException($"templateVersion {wanted} is not in the catalog: template {template.Name} is at version {template.Version}.");
        }

        if (update.TemplateVersion is null && atVersion is not null && atVersion != template.Version)
        {
            // Re-rendering takes the catalog's template: that must be asked for, never happen as a side effect.
            throw new InvalidRequestException($"templateVersion is required: template {template.Name} is at version {template.Version} in the catalog, this server at {atVersion}.");
        }

        var takes = template.Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        if (template.DefaultPort is not null)
        {
            takes.Add(GameTemplateRules.Port);
        }

        var variables = (current.Variables ?? new Dictionary<string, string>())
            .Where(v => takes.Contains(v.Key))
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        foreach (var (name, value) in update.Variables ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        var editable = template.StartCommandEditable;
        return current with
        {
            StartCommand = update.StartCommand ?? (editable ? current.StartCommand : ""),
            StopCommand = editable ? current.StopCommand : null,
            MemoryMb = update.MemoryMb ?? current.MemoryMb,
            DiskMb = update.ClearDiskMb ? null : update.DiskMb ?? current.DiskMb,
            CpuPercent = update.ClearCpuPercent ? null : update.CpuPercent ?? current.CpuPercent,
            Variables = variables,
            Launch = null,
        };
    }

    /// <summary>Which parts an update changes, for the live event (names only: values may be anything a user typed).</summary>
    public static string Describe(GameServerUpdate update)
    {
        var parts = new List<string>();
        if (update.Variables is { Count: > 0 } variables)
        {
            parts.Add("variables " + string.Join(", ", variables.Keys.Order(StringComparer.Ordinal)));
        }

        AddIf(parts, update.MemoryMb is not null, "memoryMb");
        AddIf(parts, update.DiskMb is not null, "diskMb");
        AddIf(parts, update.ClearDiskMb, "diskMb cleared");
        AddIf(parts, update.CpuPercent is not null, "cpuPercent");
        AddIf(parts, update.ClearCpuPercent, "cpuPercent cleared");
        AddIf(parts, update.TemplateVersion is not null, "templateVersion " + update.TemplateVersion);
        AddIf(parts, update.StartCommand is not null, "startCommand");
        return string.Join("; ", parts);
    }

    private static void AddIf(List<string> parts, bool condition, string part)
    {
        if (condition)
        {
            parts.Add(part);
        }
    }
}
