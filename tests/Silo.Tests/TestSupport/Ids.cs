namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>Fresh container ids, so tests sharing a cluster never meet.</summary>
internal static class Ids
{
    private static long _next = 1000;

    public static long Next() => Interlocked.Increment(ref _next);
}
