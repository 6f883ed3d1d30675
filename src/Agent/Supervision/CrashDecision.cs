namespace ZlhGrind.Agent.Supervision;

/// <summary>What supervision does after a crash: restart after <see cref="RestartDelay"/>, or give up.</summary>
internal sealed record CrashDecision(int ConsecutiveCrashes, TimeSpan? RestartDelay, DateTimeOffset? RestartAt, bool GaveUp, string Reason);
