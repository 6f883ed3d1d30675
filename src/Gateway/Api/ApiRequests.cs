namespace ZlhGrind.Gateway.Api;

// Request bodies use optional nullable members so a missing field is reported by name (by RequestValidation)
// instead of as a generic JSON error.

/// <summary>
/// Body of <c>POST /api/servers</c>: a catalog <c>template</c> and its <c>variables</c>; <c>startCommand</c> and
/// <c>stopCommand</c> only with an editable template (generic); <c>diskMb</c> the file manager's quota (absent: none); <c>id</c> and <c>ownerId</c> are for operators adopting an existing vmid;
/// <c>cpuPercent</c> is the CPU share in percent of one core (1..6400; absent = no limit).
/// </summary>
public sealed record ProvisionGameRequest(
    long? Id = null,
    string? Template = null,
    string? StartCommand = null,
    string? StopCommand = null,
    int? MemoryMb = null,
    string? OwnerId = null,
    Dictionary<string, string>? Variables = null,
    int? CpuPercent = null,
    int? DiskMb = null)
    : IProvisionRequest;

/// <summary>
/// Body of <c>POST /api/dev</c>; <c>id</c> and <c>ownerId</c> are for operators adopting an existing vmid;
/// <c>idleTimeoutMinutes</c> overrides <c>Ide:IdleTimeout</c> for this container (0 = never stop code-server for idling);
/// <c>diskMb</c> is the workspace's quota for the file manager (absent: none).
/// </summary>
public sealed record ProvisionDevRequest(long? Id = null, string? Runtime = null, string? Version = null, bool? EnableCodeServer = null, string? OwnerId = null, int? IdleTimeoutMinutes = null, int? DiskMb = null)
    : IProvisionRequest;

/// <summary>What both provisioning bodies share: the operator-only choice of id and owner.</summary>
public interface IProvisionRequest
{
    /// <summary>The vmid to adopt (operators only); the platform assigns one otherwise.</summary>
    long? Id { get; }

    /// <summary>The user the container is provisioned for (operators only); the caller otherwise.</summary>
    string? OwnerId { get; }
}

/// <summary>Body of <c>PATCH /api/dev/{id}</c>, JSON merge semantics as for game servers.</summary>
public sealed record UpdateDevRequest(
    string? Version = null,
    bool? EnableCodeServer = null,
    int? IdleTimeoutMinutes = null,
    int? DiskMb = null,
    long? ExpectedGeneration = null);

/// <summary>Body of <c>POST /api/servers/{id}/power</c>.</summary>
public sealed record PowerRequest(string? Action = null);

/// <summary>Body of <c>POST /api/dev/runtimes/{name}/promote</c>.</summary>
public sealed record PromoteRequest(string? Version = null);

/// <summary>Answer of <c>POST /api/dev/{id}/ide-token</c>.</summary>
public sealed record IdeTokenResponse(string Url, DateTimeOffset ExpiresAt);

/// <summary>Answer of <c>DELETE /api/dev/{id}/ide-sessions</c>.</summary>
public sealed record RevokedSessionsResponse(int Revoked);
