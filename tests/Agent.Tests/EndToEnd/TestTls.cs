using ZlhGrind.ClusterTls;

namespace ZlhGrind.Agent.Tests.EndToEnd;

/// <summary>A CA made for this test run as <c>./zlh up</c> makes one: the silo, the gateway client and the agent processes use it.</summary>
internal static class TestTls
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"zlh-agent-tls-{Environment.ProcessId}-{Guid.NewGuid():N}");
        LocalCertificates.Create(folder);
        return folder;
    });

    public static Dictionary<string, string?> Silo() => LocalCertificates.Settings(Folder.Value, ClusterTlsBuilderExtensions.Section, LocalCertificates.Silo);

    public static Dictionary<string, string?> Gateway() => LocalCertificates.Settings(Folder.Value, ClusterTlsBuilderExtensions.Section, LocalCertificates.Client);

    /// <summary>An agent trusts the CA and presents no certificate: its credential is what identifies it.</summary>
    public static Dictionary<string, string?> Agent() => LocalCertificates.Settings(Folder.Value, "Agent:Cluster:Tls", certificate: null);
}
