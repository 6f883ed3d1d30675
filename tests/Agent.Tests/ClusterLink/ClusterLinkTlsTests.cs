using System.Diagnostics;
using ZlhGrind.Agent.Tests.EndToEnd;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.ClusterLink;

/// <summary>The agent's TLS settings are checked at start like every other setting: exit code 2 and the key named.</summary>
public sealed class ClusterLinkTlsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Agent_TlsWithoutCaOrWithHalfACertificate_ExitsWithCode2NamingTheKeys()
    {
        var credential = _dir.Combine("credential");
        File.WriteAllText(credential, "c2VjcmV0");
        File.SetUnixFileMode(credential, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            RepoPaths.AgentDll, "--Agent:ContainerId=700", "--Agent:Kind=game", "--Agent:DataRoot=" + _dir.Combine("data"),
            "--Agent:CredentialFile=" + credential, "--Agent:Cluster:Gateways:0=127.0.0.1:1",
            "--Agent:Cluster:Tls:Enabled=true", "--Agent:Cluster:Tls:Certificate=" + _dir.Combine("agent.pem"),
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var agent = Process.Start(start)!;
        var stdout = agent.StandardOutput.ReadToEndAsync();
        var stderr = await agent.StandardError.ReadToEndAsync();
        await stdout;
        await agent.WaitForExitAsync();

        Assert.Equal(2, agent.ExitCode);
        Assert.Contains("zlh-agent: the configuration is invalid:", stderr, StringComparison.Ordinal);
        Assert.Contains(
            "  - Agent:Cluster:Tls:CaCertificate is required when TLS is enabled: the PEM file of the platform's CA that every peer's certificate must chain to.",
            stderr,
            StringComparison.Ordinal);
        Assert.Contains("  - Agent:Cluster:Tls:Key is required with Agent:Cluster:Tls:Certificate.", stderr, StringComparison.Ordinal);
    }
}
