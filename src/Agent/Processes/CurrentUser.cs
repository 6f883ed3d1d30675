namespace ZlhGrind.Agent.Processes;

/// <summary>Who the agent runs as, read from /proc/self/status (effective ids).</summary>
internal static class CurrentUser
{
    private const string Status = "/proc/self/status";

    public static bool IsRoot => EffectiveIds().Uid == 0;

    public static (int Uid, int Gid) EffectiveIds() => (
        ProcFs.Uids(Status)?.Effective ?? throw new InvalidOperationException($"{Status} has no Uid line"),
        ProcFs.Gids(Status)?.Effective ?? throw new InvalidOperationException($"{Status} has no Gid line"));
}
