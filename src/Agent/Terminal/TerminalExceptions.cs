namespace ZlhGrind.Agent.Terminal;

/// <summary>No open terminal session has the id asked for (it never existed, has ended, or the id is malformed).</summary>
internal sealed class TerminalSessionNotFoundException() : Exception("no such terminal session");

/// <summary>The container already has as many terminal sessions open as <c>Agent:Terminal:MaxSessions</c> allows.</summary>
internal sealed class TerminalLimitException(int maxSessions) : Exception($"at most {maxSessions} terminal sessions may be open at once");

/// <summary>Input or a resize for a session whose shell has ended.</summary>
internal sealed class TerminalSessionEndedException() : Consoles.ConsoleUnavailableException("The terminal session has ended.");
