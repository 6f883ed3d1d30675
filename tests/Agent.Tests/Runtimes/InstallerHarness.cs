using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Runtimes;

/// <summary>A real installer over a temp data root, talking to a real artifact server.</summary>
internal sealed class InstallerHarness : IAsyncDisposable
{
    private readonly ServiceProvider _http;

    private InstallerHarness(ArtifactServer server, TempDirectory root, RuntimeInstallOptions options)
    {
        Server = server;
        Root = root;
        Options = options;
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        Layout = new RuntimeLayout(root.Combine("data"));
        Installer = CreateInstaller();
        Installer.Load();
    }

    public ArtifactServer Server { get; }

    public TempDirectory Root { get; }

    public RuntimeInstallOptions Options { get; }

    public RuntimeLayout Layout { get; }

    public RuntimeInstaller Installer { get; }

    public static async Task<InstallerHarness> StartAsync(Action<RuntimeInstallOptions>? configure = null)
    {
        var options = new RuntimeInstallOptions { RetryBackoff = TimeSpan.FromMilliseconds(10), MaxRetryBackoff = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        return new InstallerHarness(await ArtifactServer.StartAsync(), new TempDirectory(), options);
    }

    /// <summary>A second installer over the same data root, as after an agent restart.</summary>
    public RuntimeInstaller CreateInstaller()
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        var factory = _http.GetRequiredService<IHttpClientFactory>();
        return new RuntimeInstaller(
            new RuntimeEntryValidator(options),
            new ArtifactDownloader(factory, options, TimeProvider.System, NullLogger<ArtifactDownloader>.Instance),
            new SafeTarExtractor(options),
            new RuntimeVerifier(options, TimeProvider.System),
            new RuntimeStore(Layout, NullLogger<RuntimeStore>.Instance),
            Layout,
            new ProcFs(),
            TimeProvider.System,
            NullLogger<RuntimeInstaller>.Instance);
    }

    /// <summary>Runs the active version of <paramref name="runtime"/> the way a shell would find it on PATH.</summary>
    public async Task<string> RunActiveToolAsync(string runtime)
    {
        var bin = Installer.ActiveBinDirectories().Single(directory => directory.Contains($"/runtimes/{runtime}/", StringComparison.Ordinal));
        return await ProcessRunner.RunAsync(Path.Combine(bin, "tool"), "--version");
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await _http.DisposeAsync();
        Root.Dispose();
    }
}
