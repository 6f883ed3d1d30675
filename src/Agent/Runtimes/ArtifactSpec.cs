namespace ZlhGrind.Agent.Runtimes;

/// <summary>An artifact to fetch: where it is, its sha256 (lower-case hex) and its exact size.</summary>
internal sealed record ArtifactSpec(Uri Url, string Sha256, long SizeBytes);
