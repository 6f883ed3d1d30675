namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>
/// Tests that run a stand-in code-server share one collection, so they run one after another: the /proc scan
/// finds any code-server on the machine, and one test must not adopt (or stop) another test's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CodeServerCollection
{
    public const string Name = "code-server processes";
}
