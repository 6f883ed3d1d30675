namespace ZlhGrind.Agent.Supervision;

/// <summary>Resolved paths and environment for one supervised server.</summary>
internal sealed record GameSupervisorSettings(string ServerDirectory, string StateFile, IReadOnlyDictionary<string, string> Environment);
