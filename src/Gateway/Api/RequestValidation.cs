using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Files;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Gateway.Api;

/// <summary>Turns request bodies into contracts, or an <see cref="InvalidRequestException"/> that names what is wrong.</summary>
internal static class RequestValidation
{
    private const int MaxNameLength = 64;
    private const int MaxCommandLength = 4096;

    public static GameServerSpec ToSpec(ProvisionGameRequest request)
    {
        var template = Required(request.Template, "template", MaxNameLength);
        if (request.StartCommand is { Length: > MaxCommandLength })
        {
            throw new InvalidRequestException($"startCommand must be at most {MaxCommandLength} characters.");
        }

        if (request.StopCommand is { Length: > MaxCommandLength })
        {
            throw new InvalidRequestException($"stopCommand must be at most {MaxCommandLength} characters.");
        }

        if (request.MemoryMb is not { } memory)
        {
            throw new InvalidRequestException("memoryMb is required.");
        }

        if (memory <= 0)
        {
            throw new InvalidRequestException("memoryMb must be positive.");
        }

        FileLimits.CheckDiskMb(request.DiskMb);

        // The template decides whether a start command may be given and what each variable may hold (the silo renders it).
        return new GameServerSpec(
            template,
            request.StartCommand ?? "",
            string.IsNullOrWhiteSpace(request.StopCommand) ? null : request.StopCommand,
            memory,
            request.Variables is null ? null : new Dictionary<string, string>(request.Variables, StringComparer.Ordinal),
            CpuPercent: request.CpuPercent,
            DiskMb: request.DiskMb);
    }

    /// <summary>
    /// The body of <c>PATCH /api/servers/{id}</c> is the contract itself (<see cref="GameServerUpdate"/>); only sizes are
    /// checked here. An explicit null clears <c>diskMb</c> or <c>cpuPercent</c>; memory cannot be cleared.
    /// </summary>
    public static GameServerUpdate ToUpdate(PatchBody<GameServerUpdate> body)
    {
        if (body.Clears("memoryMb"))
        {
            throw new InvalidRequestException("memoryMb cannot be cleared: every game server has a memory size (its start command is given it as {{memoryMb}}); give a new size instead.");
        }

        // Only an explicit null clears; a client's own clear flags are not part of the JSON contract.
        var request = body.Value with { ClearDiskMb = body.Clears("diskMb"), ClearCpuPercent = body.Clears("cpuPercent") };
        if (request.StartCommand is { Length: > MaxCommandLength })
        {
            throw new InvalidRequestException($"startCommand must be at most {MaxCommandLength} characters.");
        }

        if (request.TemplateVersion is { Length: > MaxNameLength })
        {
            throw new InvalidRequestException($"templateVersion must be at most {MaxNameLength} characters.");
        }

        // Ranges and the template's rules are the silo's to check, in one place for provisioning and updates.
        return request;
    }

    /// <summary>The body of <c>PATCH /api/dev/{id}</c>; an explicit null <c>diskMb</c> clears the disk quota.</summary>
    public static DevContainerUpdate ToUpdate(PatchBody<UpdateDevRequest> body)
    {
        var request = body.Value;
        if (request.Version is { Length: > MaxNameLength })
        {
            throw new InvalidRequestException($"version must be at most {MaxNameLength} characters.");
        }

        return new DevContainerUpdate(request.Version, request.EnableCodeServer, IdleTimeout(request.IdleTimeoutMinutes), request.DiskMb, request.ExpectedGeneration, ClearDiskMb: body.Clears("diskMb"));
    }

    public static DevContainerSpec ToSpec(ProvisionDevRequest request)
    {
        var runtime = Required(request.Runtime, "runtime", MaxNameLength);
        if (request.Version is { Length: > MaxNameLength })
        {
            throw new InvalidRequestException($"version must be at most {MaxNameLength} characters.");
        }

        FileLimits.CheckDiskMb(request.DiskMb);
        return new DevContainerSpec(runtime, string.IsNullOrWhiteSpace(request.Version) ? null : request.Version, request.EnableCodeServer ?? true, IdleTimeout(request.IdleTimeoutMinutes), request.DiskMb);
    }

    private static TimeSpan? IdleTimeout(int? idleTimeoutMinutes)
    {
        var maxIdleMinutes = (int)IdeIdle.MaxTimeout.TotalMinutes;
        if (idleTimeoutMinutes is < 0 || idleTimeoutMinutes > maxIdleMinutes)
        {
            throw new InvalidRequestException($"idleTimeoutMinutes must be between 0 (never) and {maxIdleMinutes}.");
        }

        return idleTimeoutMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
    }

    /// <summary>The <c>keepData</c> query value of a deletion: absent means the data is removed.</summary>
    public static bool ToKeepData(string? keepData) => keepData?.ToUpperInvariant() switch
    {
        null or "" or "FALSE" => false,
        "TRUE" => true,
        _ => throw new InvalidRequestException("keepData must be true or false."),
    };

    public static PowerAction ToPowerAction(string? action) => action?.ToUpperInvariant() switch
    {
        "START" => PowerAction.Start,
        "STOP" => PowerAction.Stop,
        "RESTART" => PowerAction.Restart,
        "KILL" => PowerAction.Kill,
        null => throw new InvalidRequestException("action is required: start, stop, restart or kill."),
        _ => throw new InvalidRequestException("Unknown action: use start, stop, restart or kill."),
    };

    public static CodeServerAction ToCodeServerAction(string? action) => action?.ToUpperInvariant() switch
    {
        "START" => CodeServerAction.Start,
        "STOP" => CodeServerAction.Stop,
        "RESTART" => CodeServerAction.Restart,
        _ => throw new InvalidRequestException("Unknown code-server action: use start, stop or restart."),
    };

    public static string RuntimeName(string? name) => Required(name, "runtime name", MaxNameLength);

    /// <summary>
    /// Who a provision is for and under which id. Users never choose an id (the platform assigns one, so no answer
    /// tells them which ids exist); operators may, to adopt an existing vmid, and may provision for another user.
    /// Checked before anything else of the body, so a user learns nothing from a body that names an id.
    /// </summary>
    public static (Actor Owner, long? Id) ToProvisioning(IProvisionRequest request, Actor caller)
    {
        if (!caller.IsOperator && (request.Id is not null || request.OwnerId is not null))
        {
            throw new InvalidRequestException(request.Id is not null
                ? "Only operators may choose a container id; leave id out and the platform assigns one."
                : "Only operators may provision for another user; leave ownerId out.");
        }

        if (request.Id is { } id && !ContainerId.IsValid(id))
        {
            throw new InvalidRequestException($"id must be between {ContainerId.Min} and {ContainerId.Max}.");
        }

        var owner = request.OwnerId is null ? caller : new Actor(Required(request.OwnerId, "ownerId", MaxNameLength), IsOperator: false);
        return (owner, request.Id);
    }

    private static string Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidRequestException($"{field} is required.");
        }

        if (value.Length > maxLength)
        {
            throw new InvalidRequestException($"{field} must be at most {maxLength} characters.");
        }

        return value;
    }
}
