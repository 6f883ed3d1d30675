namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>Tests that start terminal shells run one after another (see <see cref="TerminalHarness.LoginShellPids"/>).</summary>
[CollectionDefinition(Name)]
public sealed class TerminalShellCollection
{
    public const string Name = "terminal shells";
}
