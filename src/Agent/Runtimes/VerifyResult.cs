namespace ZlhGrind.Agent.Runtimes;

/// <summary>What the verify command printed (trimmed, bounded) when it succeeded.</summary>
internal sealed record VerifyResult(string Output);
