using Orleans.Concurrency;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Grains.Consoles;

/// <summary>A container's grain tells its console grain that access was lost (deletion, revoked sessions). Silo-internal.</summary>
[Alias("zlh.IConsoleRevocation")]
public interface IConsoleRevocation : IGrainWithIntegerCompoundKey
{
    /// <summary>Drops the open tickets and closes every watching socket with <paramref name="reason"/>.</summary>
    /// <remarks>One-way: a console grain that activates for it asks the container's grain for access, and that grain must not be waiting.</remarks>
    [OneWay, Alias("Revoke"), Accepts(CallerKind.Internal)]
    Task RevokeAsync(string reason);
}
