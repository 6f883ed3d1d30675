using System.Text.RegularExpressions;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Silo.Grains.GameServers;

/// <summary>Rules a game-server spec must meet before anything is created.</summary>
internal static partial class GameServerSpecValidator
{
    public const int MinMemoryMb = 256;
    public const int MaxMemoryMb = 256 * 1024;
    public const int MinCpuPercent = 1;

    /// <summary>The most cores one server's CPU share may name: 64 cores, at 100 percent each.</summary>
    public const int MaxCpuPercent = 64 * 100;

    /// <summary>What a provisioning request must meet before its template is looked up.</summary>
    public static void ValidateRequest(GameServerSpec? spec)
    {
        if (spec is null)
        {
            throw new InvalidRequestException("A game server needs a spec.");
        }

        if (spec.Template is null || !TemplateName().IsMatch(spec.Template))
        {
            throw new InvalidRequestException("template must be 1-32 characters of a-z, 0-9 and '-'.");
        }

        if (spec.MemoryMb is < MinMemoryMb or > MaxMemoryMb)
        {
            throw new InvalidRequestException($"memoryMb must be between {MinMemoryMb} and {MaxMemoryMb}.");
        }

        ValidateLimits(spec.DiskMb, spec.CpuPercent);
        if (spec.Launch is not null)
        {
            throw new InvalidRequestException("launch is rendered from the template; a request cannot set it.");
        }
    }

    /// <summary>What an update must meet before the spec is looked at: at least one change, every given value in range.</summary>
    public static void ValidateUpdate(GameServerUpdate? update)
    {
        if (update is null || update is { Variables: null, MemoryMb: null, DiskMb: null, CpuPercent: null, TemplateVersion: null, StartCommand: null, ClearDiskMb: false, ClearCpuPercent: false })
        {
            throw new InvalidRequestException("An update needs at least one of variables, memoryMb, diskMb, cpuPercent, templateVersion, startCommand.");
        }

        // The gateway never sends both; an Orleans client of a tenant may.
        if ((update.ClearDiskMb && update.DiskMb is not null) || (update.ClearCpuPercent && update.CpuPercent is not null))
        {
            throw new InvalidRequestException("An update either sets a limit or clears it, not both.");
        }

        if (update.MemoryMb is < MinMemoryMb or > MaxMemoryMb)
        {
            throw new InvalidRequestException($"memoryMb must be between {MinMemoryMb} and {MaxMemoryMb}.");
        }

        ValidateLimits(update.DiskMb, update.CpuPercent);
        if (update.TemplateVersion is { } version && (version.Length is 0 or > 32))
        {
            throw new InvalidRequestException("templateVersion must be 1-32 characters.");
        }
    }

    // One rule for provisioning and updates: the disk quota is the file manager's (FileLimits), the CPU share ours.
    private static void ValidateLimits(int? diskMb, int? cpuPercent)
    {
        ZlhGrind.Grains.Files.FileLimits.CheckDiskMb(diskMb);
        if (cpuPercent is < MinCpuPercent or > MaxCpuPercent)
        {
            throw new InvalidRequestException($"cpuPercent must be between {MinCpuPercent} and {MaxCpuPercent} (percent of one core; leave it out for no limit).");
        }
    }

    /// <summary>What a rendered spec must meet before anything is created.</summary>
    public static void Validate(GameServerSpec spec)
    {
        ValidateRequest(spec with { Launch = null });

        if (string.IsNullOrWhiteSpace(spec.StartCommand) || spec.StartCommand.Length > 1024 || spec.StartCommand.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidRequestException("startCommand must be one line of at most 1024 characters.");
        }

        if (spec.StopCommand is { } stop && (stop.Length > 256 || stop.Contains('\n', StringComparison.Ordinal)))
        {
            throw new InvalidRequestException("stopCommand must be one line of at most 256 characters.");
        }

        if (spec.MemoryMb is < MinMemoryMb or > MaxMemoryMb)
        {
            throw new InvalidRequestException($"memoryMb must be between {MinMemoryMb} and {MaxMemoryMb}.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex TemplateName();
}
