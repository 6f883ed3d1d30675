using System.Text.Json;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Runtimes;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains;

/// <summary>Issue 13: the catalog refuses an entry by the rules the agent applies too (<see cref="RuntimeEntryRules"/>).</summary>
public sealed class RuntimeEntryRulesTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    /// <summary>The agent's old rule took '_' in a name, the silo's did not; Agent.Tests refuses the same entry with the same sentence.</summary>
    public const string UnderscoreNameProblem = "name 'node_js' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter.";

    [Fact]
    public async Task Add_NameWithUnderscore_RefusedWithTheSharedMessageAndNothingStored()
    {
        var catalog = fixture.Client.GetGrain<IRuntimeCatalogGrain>("rules-" + Guid.NewGuid());
        CallAs.Operator();
        var before = JsonSerializer.Serialize(await catalog.GetAsync());

        CallAs.Operator();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.AddAsync(Node() with { Name = "node_js" }));

        Assert.Equal(UnderscoreNameProblem, error.Message);
        Assert.Equal([UnderscoreNameProblem], RuntimeEntryRules.Problems(Node() with { Name = "node_js" }));
        CallAs.Operator();
        Assert.Equal(before, JsonSerializer.Serialize(await catalog.GetAsync()));
    }

    [Fact]
    public async Task Add_DotDotVersion_RefusedAsTheAgentRefusesIt()
    {
        var catalog = fixture.Client.GetGrain<IRuntimeCatalogGrain>("rules-" + Guid.NewGuid());

        CallAs.Operator();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.AddAsync(Node() with { Version = "1..2" }));

        Assert.Equal("version '1..2' must be 1-32 characters of letters, digits, '.', '+' and '-', starting with a letter or digit, without '..'.", error.Message);
        CallAs.Operator();
        Assert.Empty((await catalog.GetAsync()).Entries);
    }
}
