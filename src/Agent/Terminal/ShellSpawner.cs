using System.Globalization;
using System.Runtime.InteropServices;
using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// Starts the dev user's login shell on a pseudo-terminal's slave, in a session of its own with the slave as its
/// controlling terminal.
/// </summary>
/// <remarks>
/// .NET cannot fork, and <see cref="System.Diagnostics.Process"/> can neither start a session nor give it a terminal,
/// so the agent calls posix_spawn itself: glibc's POSIX_SPAWN_SETSID makes the child a session leader, and the file
/// action that opens the slave by name (without O_NOCTTY) as fd 0 makes it that session's controlling terminal — Linux
/// gives a session leader without one the first terminal it opens, which is what TIOCSCTTY would do. posix_spawn cannot
/// change user, so as root the spawned program is util-linux <c>setpriv</c>, which sets the real, effective and saved
/// uid and gid and the user's supplementary groups (initgroups) and execs in place: the pid the agent holds stays the
/// shell's. After it, coreutils <c>env -C</c> enters the workspace: that chdir runs as the user, so a workspace the user
/// turned into a link leads nowhere the user could not go anyway. Both exec in place; no wrapper stays between the
/// agent and the shell. Every signal the agent ignores (.NET ignores SIGPIPE) is reset to default and the signal mask is
/// emptied, so the shell behaves as one started by login; descriptors from 3 up are closed.
/// </remarks>
internal static unsafe class ShellSpawner
{
    /// <summary>Spawns the login shell of <paramref name="user"/> on <paramref name="terminal"/>; returns its pid.</summary>
    public static int Spawn(PseudoTerminal terminal, DevUser user, IReadOnlyDictionary<string, string> environment)
    {
        var argv = Arguments(user);
        var envp = environment.Select(pair => pair.Key + "=" + pair.Value).ToList();
        var actions = NativeMemory.AllocZeroed(PtyCalls.SpawnStructBytes);
        var attributes = NativeMemory.AllocZeroed(PtyCalls.SpawnStructBytes);
        var signals = NativeMemory.AllocZeroed(PtyCalls.SigSetBytes);
        var nativeArgv = ToNative(argv);
        var nativeEnvp = ToNative(envp);
        try
        {
            Check(PtyCalls.FileActionsInit(actions), "posix_spawn_file_actions_init");
            Check(PtyCalls.AttrInit(attributes), "posix_spawnattr_init");
            try
            {
                Check(PtyCalls.FileActionsAddOpen(actions, 0, terminal.SlavePath, PtyCalls.ORdWr, 0), "addopen");
                Check(PtyCalls.FileActionsAddDup2(actions, 0, 1), "adddup2");
                Check(PtyCalls.FileActionsAddDup2(actions, 0, 2), "adddup2");
                Check(PtyCalls.FileActionsAddCloseFrom(actions, 3), "addclosefrom_np");
                Check(PtyCalls.AttrSetFlags(attributes, PtyCalls.SpawnSetSid | PtyCalls.SpawnSetSigDefault | PtyCalls.SpawnSetSigMask), "setflags");
                Check(PtyCalls.SigFillSet(signals), "sigfillset");
                Check(PtyCalls.AttrSetSigDefault(attributes, signals), "setsigdefault");
                Check(PtyCalls.SigEmptySet(signals), "sigemptyset");
                Check(PtyCalls.AttrSetSigMask(attributes, signals), "setsigmask");

                int pid;
                Check(PtyCalls.PosixSpawnp(&pid, argv[0], actions, attributes, nativeArgv, nativeEnvp), "posix_spawnp " + argv[0]);
                return pid;
            }
            finally
            {
                // Both only free what init allocated; nothing to do if they fail.
                _ = PtyCalls.AttrDestroy(attributes);
                _ = PtyCalls.FileActionsDestroy(actions);
            }
        }
        finally
        {
            FreeNative(nativeArgv, argv.Count);
            FreeNative(nativeEnvp, envp.Count);
            NativeMemory.Free(signals);
            NativeMemory.Free(attributes);
            NativeMemory.Free(actions);
        }
    }

    /// <summary>The command line: [setpriv as the user --] env -C workspace -- shell -l.</summary>
    internal static List<string> Arguments(DevUser user)
    {
        var arguments = new List<string>();
        if (!user.IsAgentUser)
        {
            arguments.AddRange(
            [
                "setpriv",
                "--reuid=" + user.Uid.ToString(CultureInfo.InvariantCulture),
                "--regid=" + user.Gid.ToString(CultureInfo.InvariantCulture),
                "--init-groups",
                "--",
            ]);
        }

        // -l: a login shell reads /etc/profile and ~/.profile, where the dev PATH lives (setpriv cannot set argv[0] to "-sh").
        arguments.AddRange(["env", "-C", user.Workspace, "--", user.Shell, "-l"]);
        return arguments;
    }

    private static byte** ToNative(List<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return array;
    }

    private static void FreeNative(byte** array, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Marshal.FreeCoTaskMem((nint)array[i]);
        }

        NativeMemory.Free(array);
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new IOException(call + ": " + Marshal.GetPInvokeErrorMessage(error), error);
        }
    }
}
