namespace ZlhGrind.Agent.Runtimes;

/// <summary>An artifact to fetch: where it is, its sha256 (lower-case hex), its exact size, and who declared them (named in errors).</summary>
internal sealed record ArtifactSpec(Uri Url, string Sha256, long SizeBytes, string DeclaredBy = "the catalog");
