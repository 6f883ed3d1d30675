namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>
/// Tests that measure the test process's managed heap run alone, after every parallel collection has finished.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeapCollection
{
    public const string Name = "process heap";
}
