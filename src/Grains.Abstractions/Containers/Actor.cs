namespace ZlhGrind.Grains.Containers;

/// <summary>The portal user on whose behalf the gateway calls: its token's subject and whether it is an operator.</summary>
[GenerateSerializer, Immutable, Alias("zlh.Actor")]
public sealed record Actor(string UserId, bool IsOperator)
{
    /// <summary>True when this actor may see and act on a container owned by <paramref name="ownerId"/>.</summary>
    public bool MayAccess(string? ownerId) => IsOperator || (ownerId is not null && string.Equals(UserId, ownerId, StringComparison.Ordinal));
}
