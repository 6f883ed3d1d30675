using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Limits;

/// <summary>
/// Chooses how limits are enforced, once, at the agent's start: a cgroup v2 group where the agent can make one with
/// the memory and cpu controllers, else a cgroup v1 memory (and cpu) group, else RLIMIT_AS. Making the agent's parent
/// group is the test: what cannot be made here cannot hold a server either.
/// </summary>
internal static partial class LimitsDetector
{
    private static readonly string[] Controllers = ["memory", "cpu"];

    /// <summary>The limits of the server whose group is named <paramref name="serverGroup"/>.</summary>
    public static ServerLimits Detect(LimitsOptions options, string serverGroup, ILogger logger)
    {
        // The validator refused anything unknown at start; what is left is auto (null) or a forced enforcement.
        var forced = LimitsModes.TryParse(options.Enforcement, out var mode) ? mode : null;
        ServerLimits limits = forced switch
        {
            LimitsEnforcement.None => new NoLimits(),
            LimitsEnforcement.Rlimit => new RlimitLimits(),
            LimitsEnforcement.Cgroup1 => (ServerLimits?)TryCgroup1(options, serverGroup, out var why1) ?? Fallback(options, why1, logger),
            _ => (ServerLimits?)TryCgroup2(options, serverGroup, out var why2) ?? (ServerLimits?)TryCgroup1(options, serverGroup, out _) ?? Fallback(options, why2, logger),
        };
        limits.GroupKillTimeout = options.GroupKillTimeout;
        var chosen = limits.Enforcement.WireName();
        LogChosen(logger, chosen, options.Enforcement);
        return limits;
    }

    private static RlimitLimits Fallback(LimitsOptions options, string why, ILogger logger)
    {
        LogNoCgroup(logger, why, options.CgroupRoot);
        return new RlimitLimits();
    }

    /// <summary>A v2 hierarchy (the root itself, or the hybrid layout's <c>unified</c>) with memory and cpu available to the agent's parent group.</summary>
    internal static Cgroup2Limits? TryCgroup2(LimitsOptions options, string serverGroup, out string why)
    {
        var mount = new[] { options.CgroupRoot, Path.Combine(options.CgroupRoot, "unified") }
            .FirstOrDefault(m => File.Exists(Path.Combine(m, "cgroup.controllers")));
        if (mount is null)
        {
            why = "no cgroup v2 hierarchy";
            return null;
        }

        if (!CgroupFiles.ReadWords(Path.Combine(mount, "cgroup.controllers")).IsSupersetOf(Controllers))
        {
            why = "cgroup v2 has no memory and cpu controllers here (they may be bound to cgroup v1)";
            return null;
        }

        var parent = Path.Combine(mount, options.ParentGroup);
        try
        {
            EnableControllers(mount);
            Directory.CreateDirectory(parent);
            EnableControllers(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            why = "cannot make a cgroup v2 group with the memory and cpu controllers: " + ex.Message;
            return null;
        }

        if (!CgroupFiles.ReadWords(Path.Combine(parent, "cgroup.subtree_control")).IsSupersetOf(Controllers))
        {
            why = "the memory and cpu controllers cannot be enabled for the agent's cgroup v2 group";
            return null;
        }

        why = "";
        return new Cgroup2Limits(Path.Combine(parent, serverGroup), options.CpuPeriod);
    }

    /// <summary>A v1 memory controller whose hierarchy the agent may make groups in; the cpu controller when it is mounted too.</summary>
    internal static Cgroup1Limits? TryCgroup1(LimitsOptions options, string serverGroup, out string why)
    {
        var memory = Path.Combine(options.CgroupRoot, "memory");
        if (!File.Exists(Path.Combine(memory, "memory.limit_in_bytes")))
        {
            why = "no cgroup v1 memory controller";
            return null;
        }

        var cpu = Path.Combine(options.CgroupRoot, "cpu");
        var hasCpu = File.Exists(Path.Combine(cpu, "cpu.cfs_quota_us"));
        try
        {
            Directory.CreateDirectory(Path.Combine(memory, options.ParentGroup));
            if (hasCpu)
            {
                Directory.CreateDirectory(Path.Combine(cpu, options.ParentGroup));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            why = "cannot make a cgroup v1 memory group: " + ex.Message;
            return null;
        }

        why = "";
        return new Cgroup1Limits(
            Path.Combine(memory, options.ParentGroup, serverGroup),
            hasCpu ? Path.Combine(cpu, options.ParentGroup, serverGroup) : null,
            options.CpuPeriod);
    }

    // Controllers already enabled need no write; a write that fails (a group with processes of its own) says why.
    private static void EnableControllers(string group)
    {
        var control = Path.Combine(group, "cgroup.subtree_control");
        if (!CgroupFiles.ReadWords(control).IsSupersetOf(Controllers))
        {
            CgroupFiles.Write(control, "+memory +cpu");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Game server limits are enforced by {Enforcement} (Agent:Limits:Enforcement is {Configured})")]
    private static partial void LogChosen(ILogger logger, string enforcement, string configured);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No cgroup for game server limits ({Why}, under {CgroupRoot}): memory is limited by RLIMIT_AS, CPU is not limited")]
    private static partial void LogNoCgroup(ILogger logger, string why, string cgroupRoot);
}
