namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>One URL the load generator requests, with the IDE cookie a browser would send (null where none is needed).</summary>
internal sealed record HttpTarget(Uri Url, string? Cookie);
