using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.CodeServer;
using ZlhGrind.Agent.DevContainer;
using ZlhGrind.Agent.DevEnvironment;
using ZlhGrind.Agent.Outbox;
using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Agent.Workloads;

namespace ZlhGrind.Agent.Tests.DevContainer;

public sealed class DevWorkloadServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddDevWorkload_BadConfiguration_HostRefusesToStartNamingEachKey()
    {
        using var host = Build(new()
        {
            ["Agent:Dev:DataRoot"] = "opt/zlh",
            ["Agent:Runtimes:MaxDownloadAttempts"] = "0",
            ["Agent:CodeServer:Port"] = "0",
            ["Agent:CodeServer:ArtifactUrl"] = "ftp://example.invalid/code-server.tar.gz",
            ["Agent:CodeServer:Restart:InitialDelay"] = "-00:00:01",
        });

        // Every invalid options class is reported at once, each as an OptionsValidationException.
        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());

        Assert.All(error.InnerExceptions, inner => Assert.IsType<OptionsValidationException>(inner));
        var message = string.Join('\n', error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures));
        Assert.Contains("Agent:Dev:DataRoot must be an absolute path, not 'opt/zlh'", message, StringComparison.Ordinal);
        Assert.Contains("Agent:Runtimes:MaxDownloadAttempts must be between 1 and 20, not 0", message, StringComparison.Ordinal);
        Assert.Contains("Agent:CodeServer:Port must be between 1 and 65535, not 0", message, StringComparison.Ordinal);
        Assert.Contains("Agent:CodeServer:ArtifactUrl must be an absolute http or https URL", message, StringComparison.Ordinal);
        Assert.Contains("Agent:CodeServer:Restart:InitialDelay must not be negative", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDevWorkload_BadRestartPolicyAndTimeouts_HostRefusesToStartNamingEachKey()
    {
        using var host = Build(new()
        {
            ["Agent:CodeServer:StartTimeout"] = "00:00:00",
            ["Agent:CodeServer:StopTimeout"] = "-00:00:01",
            ["Agent:CodeServer:Restart:ResetAfterUptime"] = "00:00:00",
            ["Agent:CodeServer:Restart:Backoff:0"] = "00:00:00",
            ["Agent:CodeServer:Restart:MaxConsecutiveCrashes"] = "0",
        });

        var error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());
        var failures = error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures).Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "Agent:CodeServer:Restart:Backoff:0 must be a positive duration (got 00:00:00).",
                "Agent:CodeServer:Restart:MaxConsecutiveCrashes must be at least 1 (got 0).",
                "Agent:CodeServer:Restart:StableUptime (or ResetAfterUptime) must be positive (got 00:00:00).",
                "Agent:CodeServer:StartTimeout must be positive, not 00:00:00",
                "Agent:CodeServer:StopTimeout must be positive, not -00:00:01",
            ],
            failures);
    }

    [Fact]
    public async Task AddDevWorkload_NoConfiguration_UsesTheDocumentedDefaults()
    {
        using var host = Build([]);
        await host.StartAsync();

        var workload = host.Services.GetRequiredService<IWorkload>();
        var dev = host.Services.GetRequiredService<IOptions<DevEnvironmentOptions>>().Value;
        var codeServer = host.Services.GetRequiredService<IOptions<CodeServerOptions>>().Value;
        var restart = host.Services.GetRequiredService<IOptions<CodeServerRestartOptions>>().Value;
        var runtimes = host.Services.GetRequiredService<IOptions<RuntimeInstallOptions>>().Value;
        await host.StopAsync();

        Assert.IsType<DevWorkload>(workload);
        Assert.Equal(("/opt/zlh", "dev", true), (dev.DataRoot, dev.UserName, dev.ManageUser));
        Assert.Equal(("0.0.0.0", 8080, "none"), (codeServer.BindAddress, codeServer.Port, codeServer.Auth));
        Assert.Equal(
            (TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(30), 4),
            (restart.InitialDelay, restart.MaxDelay, restart.ResetAfterUptime, restart.MaxConsecutiveCrashes));
        Assert.Equal(3, runtimes.MaxDownloadAttempts);
    }

    [Fact]
    public async Task AddDevWorkload_ReadyProbeTimeout_BoundsTheProbeClientAndZeroIsRefused()
    {
        using var configured = Build(new() { ["Agent:CodeServer:ReadyProbeTimeout"] = "00:00:03" });
        using var zero = Build(new() { ["Agent:CodeServer:ReadyProbeTimeout"] = "00:00:00" });
        using var defaults = Build([]);

        var probe = configured.Services.GetRequiredService<IHttpClientFactory>().CreateClient(CodeServerSupervisor.ProbeClientName);
        var unset = defaults.Services.GetRequiredService<IHttpClientFactory>().CreateClient(CodeServerSupervisor.ProbeClientName);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => zero.StartAsync());

        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2)), (probe.Timeout, unset.Timeout));
        Assert.Equal(["Agent:CodeServer:ReadyProbeTimeout must be positive, not 00:00:00"], error.Failures);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IAgentEvents>(new EventRecorder());
        builder.Services.AddDevWorkload(builder.Configuration);
        return builder.Build();
    }
}
