using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Grains.DevContainers;

/// <summary>
/// What a dev container is: its language runtime and version (null = the promoted one), whether it runs code-server,
/// how long code-server may go without IDE activity before it is stopped (null = <c>Ide:IdleTimeout</c>, zero = never),
/// and the workspace's disk quota for the file manager (null = none).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.DevContainerSpec")]
public sealed record DevContainerSpec(string Runtime, string? Version, bool EnableCodeServer, TimeSpan? IdleTimeout = null, int? DiskMb = null);

/// <summary>The dev part of the desired spec: the resolved catalog entry and the numbered code-server request.</summary>
[GenerateSerializer, Immutable, Alias("zlh.DevDesired")]
public sealed record DevDesired(
    DevContainerSpec Spec,
    RuntimeEntry Runtime,
    bool CodeServerRunning,
    long CodeServerRequest,
    CodeServerAction? LastCodeServerAction);

/// <summary>A runtime installed in the container, and whether it is the active one.</summary>
[GenerateSerializer, Immutable, Alias("zlh.InstalledRuntime")]
public sealed record InstalledRuntime(string Name, string Version, bool Active);

/// <summary>Progress of a running install, for the portal.</summary>
[GenerateSerializer, Immutable, Alias("zlh.InstallProgress")]
public sealed record InstallProgress(string Runtime, string Version, string Phase, long BytesDone, long BytesTotal);

/// <summary>
/// A change to a dev container's spec (<c>PATCH /api/dev/{id}</c>), JSON merge semantics: a null member leaves that part
/// unchanged. <see cref="Version"/> must be in the runtime catalog (the agent installs, verifies and switches at once; a
/// failed upgrade keeps the previous version active and says why); <see cref="EnableCodeServer"/> starts or stops
/// code-server at once. <see cref="ExpectedGeneration"/> as for game servers (409 when another update came first).
/// <see cref="ClearDiskMb"/> removes the disk quota (JSON: <c>diskMb</c> given as null).
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.DevContainerUpdate")]
public sealed record DevContainerUpdate(
    string? Version = null,
    bool? EnableCodeServer = null,
    TimeSpan? IdleTimeout = null,
    int? DiskMb = null,
    long? ExpectedGeneration = null,
    bool ClearDiskMb = false);
