namespace ZlhGrind.Gateway.Api;

// Request bodies use nullable members so a missing field is reported by name instead of defaulting silently.

/// <summary>Body of <c>POST /api/servers</c>.</summary>
public sealed record ProvisionGameRequest(long? Id, string? Template, string? StartCommand, string? StopCommand, int? MemoryMb);

/// <summary>Body of <c>POST /api/dev</c>.</summary>
public sealed record ProvisionDevRequest(long? Id, string? Runtime, string? Version, bool? EnableCodeServer);

/// <summary>Body of <c>POST /api/servers/{id}/power</c>.</summary>
public sealed record PowerRequest(string? Action);

/// <summary>Body of <c>POST /api/dev/runtimes/{name}/promote</c>.</summary>
public sealed record PromoteRequest(string? Version);

/// <summary>Answer of <c>POST /api/dev/{id}/ide-token</c>.</summary>
public sealed record IdeTokenResponse(string Url, DateTimeOffset ExpiresAt);

/// <summary>Answer of <c>DELETE /api/dev/{id}/ide-sessions</c>.</summary>
public sealed record RevokedSessionsResponse(int Revoked);
