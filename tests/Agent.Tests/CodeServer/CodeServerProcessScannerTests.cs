using ZlhGrind.Agent.CodeServer;

namespace ZlhGrind.Agent.Tests.CodeServer;

public sealed class CodeServerProcessScannerTests
{
    private const string Install = "/opt/zlh/services/code-server/";

    public static TheoryData<string[], bool, bool> CommandLines => new()
    {
        { ["/usr/bin/dotnet", "/opt/zlh/services/code-server/lib/StandInIde.dll", "--bind-addr", "0.0.0.0:8080"], false, true },
        { ["/bin/sh", "/opt/zlh/services/code-server/bin/code-server", "--auth", "none"], false, true },
        { ["/usr/lib/code-server/lib/node", "/usr/lib/code-server", "--bind-addr", "127.0.0.1:8080"], true, true },
        { ["/usr/lib/code-server/lib/node", "/usr/lib/code-server", "--bind-addr", "127.0.0.1:8080"], false, false },
        { ["/opt/zlh/services/code-server/lib/node", "/opt/zlh/services/code-server/out/bootstrap-fork", "--type=extensionHost"], true, false },
        { ["/bin/bash", "-l"], true, false },
        { ["vim", "notes-about-code-server.txt"], true, false },
        { [], true, false },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void IsCodeServer_CommandLine_Recognised(string[] commandLine, bool anywhere, bool expected)
    {
        Assert.Equal(expected, CodeServerProcessScanner.IsCodeServer(commandLine, Install, anywhere));
    }

    [Theory]
    [InlineData(new[] { "code-server", "--bind-addr", "0.0.0.0:8080" }, 8080)]
    [InlineData(new[] { "code-server", "--bind-addr=127.0.0.1:9000" }, 9000)]
    [InlineData(new[] { "code-server", "--bind-addr", "[::]:8443" }, 8443)]
    [InlineData(new[] { "code-server", "--auth", "none" }, null)]
    public void BindPort_CommandLine_ReadsThePort(string[] commandLine, int? port)
    {
        Assert.Equal(port, CodeServerProcessScanner.BindPort(commandLine));
    }
}
