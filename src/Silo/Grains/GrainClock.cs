namespace ZlhGrind.Silo.Grains;

/// <summary>The DI key of the clock grains read (lifecycle times, connectivity, token expiry).</summary>
public static class GrainClock
{
    public const string Key = "zlh.grain-clock";
}
