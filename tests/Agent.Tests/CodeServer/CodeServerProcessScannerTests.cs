using System.Net;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.CodeServer;

public sealed class CodeServerProcessScannerTests
{
    private const string Install = "/opt/zlh/services/code-server/";

    public static TheoryData<string[], bool> CommandLines => new()
    {
        { ["/usr/bin/dotnet", "/opt/zlh/services/code-server/lib/StandInIde.dll", "--bind-addr", "0.0.0.0:8080"], true },
        { ["/bin/sh", "/opt/zlh/services/code-server/bin/code-server", "--auth", "none"], true },
        { ["/opt/zlh/services/code-server/lib/node", "/opt/zlh/services/code-server/out/node/entry.js"], true },

        // Another stack's or another install's code-server is not this agent's, whatever its name says.
        { ["/usr/lib/code-server/lib/node", "/usr/lib/code-server", "--bind-addr", "127.0.0.1:8080"], false },
        { ["/opt/zlh-other/services/code-server/bin/code-server"], false },
        { ["/opt/zlh/services/code-server-old/bin/code-server"], false },
        { ["/opt/zlh/services/code-server/lib/node", "/opt/zlh/services/code-server/out/bootstrap-fork", "--type=extensionHost"], false },
        { ["/bin/bash", "-l"], false },
        { ["vim", "/home/dev/notes-about/code-server/todo.txt"], false },
        { [], false },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void IsCodeServer_CommandLine_RecognisedOnlyFromThisInstall(string[] commandLine, bool expected)
    {
        Assert.Equal(expected, CodeServerProcessScanner.IsCodeServer(commandLine, Install));
    }

    [Fact]
    public void ListeningSockets_ProcNetTables_OnlyListenersOnTheAddressAndPort()
    {
        using var proc = new TempDirectory();
        Directory.CreateDirectory(proc.Combine("net"));
        File.WriteAllLines(proc.Combine("net", "tcp"), [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0",
            "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 222 1 0000000000000000 100 0 0 10 0",
            "   2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 100 0 0 10 0",
            "   3: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 100 0 0 10 0",
        ]);
        File.WriteAllLines(proc.Combine("net", "tcp6"), [
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 0",
            "   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 666 1 0000000000000000 100 0 0 10 0",
        ]);
        var procFs = new ProcFs(proc.Path);

        Assert.Equal([111UL, 555UL], procFs.ListeningSockets(IPAddress.Loopback, 8080).Order());
        Assert.Equal([222UL], procFs.ListeningSockets(IPAddress.Any, 8080));
        Assert.Equal([666UL], procFs.ListeningSockets(IPAddress.IPv6Loopback, 8080));
        Assert.Empty(procFs.ListeningSockets(IPAddress.Loopback, 8082));
        Assert.Equal([111UL, 222UL, 555UL], procFs.ListeningSockets(IPAddress.Loopback, 8080, overlapping: true).Order());
        Assert.Equal([111UL, 222UL, 555UL, 666UL], procFs.ListeningSockets(IPAddress.Any, 8080, overlapping: true).Order());
    }
}
