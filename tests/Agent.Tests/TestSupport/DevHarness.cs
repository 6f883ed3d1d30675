using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.DevContainer;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Runtimes;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>The dev workload wired exactly as the agent wires it (AddDevWorkload), over a temp data root and a real artifact server.</summary>
internal sealed class DevHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private DevHarness(ArtifactServer server, TempDirectory root, ServiceProvider services, EventRecorder events, int port)
    {
        Server = server;
        Root = root;
        _services = services;
        Events = events;
        Port = port;
    }

    public ArtifactServer Server { get; }

    public TempDirectory Root { get; }

    public EventRecorder Events { get; }

    public int Port { get; }

    public DevWorkload Workload => _services.GetRequiredService<DevWorkload>();

    public CodeServerSupervisor CodeServer => _services.GetRequiredService<CodeServerSupervisor>();

    public CodeServerInstaller CodeServerInstaller => _services.GetRequiredService<CodeServerInstaller>();

    public CodeServerProcessScanner Scanner => _services.GetRequiredService<CodeServerProcessScanner>();

    public RuntimeInstaller Installer => _services.GetRequiredService<RuntimeInstaller>();

    public DevUserEnvironment Environment => _services.GetRequiredService<DevUserEnvironment>();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static async Task<DevHarness> StartAsync(TimeProvider? time = null, Dictionary<string, string?>? settings = null)
    {
        var server = await ArtifactServer.StartAsync();
        var root = new TempDirectory();
        var port = FreePorts.Next();
        var configuration = new Dictionary<string, string?>
        {
            ["Agent:Dev:DataRoot"] = root.Combine("data"),
            ["Agent:Dev:ManageUser"] = "false",
            ["Agent:Dev:HomeRoot"] = root.Combine("home"),

            // Never the machine's /etc/profile.d, even when a test manages a real user as root.
            ["Agent:Dev:ProfilePath"] = root.Combine("profile.d", "zlh-dev-path.sh"),
            ["Agent:Runtimes:RetryBackoff"] = "00:00:00.010",
            ["Agent:Runtimes:MaxRetryBackoff"] = "00:00:00.020",
            ["Agent:CodeServer:BindAddress"] = "127.0.0.1",
            ["Agent:CodeServer:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Agent:CodeServer:StopTimeout"] = "00:00:10",
        };
        foreach (var (key, value) in StandInIdeArtifact.Publish(server))
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var events = new EventRecorder(time);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(time ?? TimeProvider.System)
            .AddSingleton<IAgentEvents>(events)
            .AddDevWorkload(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new DevHarness(server, root, services, events, port);
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever the test left running is stopped by pid through the supervisor, never by name.
        try
        {
            await CodeServer.StopAsync(CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // The dev environment was never prepared: nothing was started.
        }

        await _services.DisposeAsync();
        await Server.DisposeAsync();
        Root.Dispose();
    }
}
