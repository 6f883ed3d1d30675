using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Grains.Consoles;

/// <summary>What a console grain needs from its container's grain: who owns it and its agent's credential hash. Silo-internal.</summary>
[Alias("zlh.IContainerConsoleAccess")]
public interface IContainerConsoleAccess : IGrainWithIntegerKey
{
    [Alias("GetConsoleAccess"), Accepts(CallerKind.Internal)]
    Task<ConsoleAccess> GetConsoleAccessAsync();
}

/// <summary>A container's owner and agent credential hash (null when it was never provisioned).</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleAccess")]
public sealed record ConsoleAccess(string? OwnerId, byte[]? AgentCredentialHash);
