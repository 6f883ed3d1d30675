namespace ZlhGrind.Grains.Containers;

/// <summary>What a container hosts; fixed for the life of its id.</summary>
public enum ContainerKind
{
    Game = 1,
    Dev = 2,
}
