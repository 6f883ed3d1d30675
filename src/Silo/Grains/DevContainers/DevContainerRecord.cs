using ZlhGrind.Grains.DevContainers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Grains.Containers;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>The stored state of a dev container. Versioned data: ids are never reused.</summary>
[GenerateSerializer]
internal sealed class DevContainerRecord
{
    [Id(0)]
    public ContainerCore Core { get; set; } = new();

    [Id(1)]
    public DevContainerSpec? Spec { get; set; }

    /// <summary>The catalog entry resolved when the spec was set, so the agent needs no catalog access.</summary>
    [Id(2)]
    public RuntimeEntry? Runtime { get; set; }

    [Id(3)]
    public DevContainerState State { get; set; } = DevContainerState.Provisioning;

    [Id(4)]
    public bool CodeServerRunning { get; set; }

    [Id(5)]
    public long CodeServerRequest { get; set; }

    [Id(6)]
    public CodeServerAction? LastCodeServerAction { get; set; }

    [Id(7)]
    public CodeServerState CodeServer { get; set; } = CodeServerState.Stopped;

    /// <summary>Where code-server listens (ip:port), as the agent last reported it: shown, never proxied to.</summary>
    [Id(8)]
    public string? IdeEndpoint { get; set; }

    [Id(9)]
    public IdeAccessBook Ide { get; set; } = new();

    [Id(10)]
    public List<InstalledRuntime> InstalledRuntimes { get; set; } = [];

    /// <summary>When the agent saw the code-server change in <see cref="CodeServer"/> (its clock).</summary>
    [Id(11)]
    public DateTimeOffset CodeServerAt { get; set; }

    /// <summary>When the agent finished the install recorded in <see cref="InstalledRuntimes"/> (its clock).</summary>
    [Id(12)]
    public DateTimeOffset InstalledRuntimesAt { get; set; }

    /// <summary>The container's own address as the platform knows it (IP or IP:port), set by an operator; the only IDE upstream.</summary>
    [Id(13)]
    public string? IdeAddress { get; set; }

    /// <summary>The latest IDE activity the gateways reported (silo clock at most); written at most once per <c>Ide:ActivityWriteInterval</c>.</summary>
    [Id(14)]
    public DateTimeOffset? LastIdeActivityAt { get; set; }

    /// <summary>When the idle countdown last began without activity: code-server started or was kept running.</summary>
    [Id(15)]
    public DateTimeOffset? IdleCountdownFrom { get; set; }
}
