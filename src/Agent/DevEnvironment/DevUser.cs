namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>The account the console and code-server run as, and its workspace.</summary>
internal sealed record DevUser(string Name, int Uid, int Gid, string Home, string Shell, string Workspace, bool IsAgentUser);
