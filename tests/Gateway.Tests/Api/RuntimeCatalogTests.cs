using System.Net;
using System.Net.Http.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Gateway.Tests.Api;

[Collection(GatewayCollection.Name)]
public sealed class RuntimeCatalogTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Catalog_AnyUser_CanReadIt()
    {
        using var portal = fixture.CreateClient(TestTokens.For("catalog-reader"));

        var catalog = await portal.GetFromJsonAsync<RuntimeCatalogView>("/api/dev/runtimes", Json.Options);

        Assert.Contains(catalog!.Entries, e => e.Name == "node" && e.Version == "22.1.0");
        Assert.True(catalog.Promoted.ContainsKey("node"));
    }

    [Fact]
    public async Task Catalog_OperatorAddsPromotesAndRollsBack()
    {
        using var ops = fixture.CreateClient(TestTokens.For("catalog-ops", isOperator: true));
        var v1 = Entry("1.0.0");
        var v2 = Entry("2.0.0");

        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsJsonAsync("/api/dev/runtimes", v1, Json.Options)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsJsonAsync("/api/dev/runtimes", v2, Json.Options)).StatusCode);
        var promoted = await (await ops.PostAsJsonAsync("/api/dev/runtimes/zig/promote", new { version = "2.0.0" })).Content.ReadFromJsonAsync<RuntimeCatalogView>(Json.Options);
        var rolledBack = await (await ops.PostAsync("/api/dev/runtimes/zig/rollback", null)).Content.ReadFromJsonAsync<RuntimeCatalogView>(Json.Options);

        Assert.Equal("2.0.0", promoted!.Promoted["zig"]);
        Assert.Equal("1.0.0", rolledBack!.Promoted["zig"]);
    }

    [Fact]
    public async Task Catalog_NonOperatorChanges_403()
    {
        using var user = fixture.CreateClient(TestTokens.For("catalog-user"));

        var add = await user.PostAsJsonAsync("/api/dev/runtimes", Entry("9.9.9"), Json.Options);
        var promote = await user.PostAsJsonAsync("/api/dev/runtimes/node/promote", new { version = "22.1.0" });
        var rollback = await user.PostAsync("/api/dev/runtimes/node/rollback", null);
        var listAll = await user.GetAsync("/api/admin/containers");

        Assert.Equal(HttpStatusCode.Forbidden, add.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, promote.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rollback.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, listAll.StatusCode);
    }

    [Fact]
    public async Task Catalog_InvalidEntriesAndUnknownRuntime_400Or409NotServerError()
    {
        using var ops = fixture.CreateClient(TestTokens.For("catalog-bad", isOperator: true));

        var badHash = await ops.PostAsJsonAsync("/api/dev/runtimes", Entry("3.0.0") with { Sha256 = "nothex" }, Json.Options);
        var missingFields = await ops.PostAsync("/api/dev/runtimes", JsonContent.Create(new { name = "zig" }));
        var unknownPromote = await ops.PostAsJsonAsync("/api/dev/runtimes/cobol/promote", new { version = "1.0" });
        var noVersion = await ops.PostAsJsonAsync("/api/dev/runtimes/node/promote", new { });

        Assert.Equal(HttpStatusCode.BadRequest, badHash.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missingFields.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownPromote.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
    }

    private static RuntimeEntry Entry(string version) => new("zig", version, $"http://127.0.0.1:8090/runtimes/zig-{version}.tar.gz", new string('b', 64), 2048, "bin", ["bin/zig", "version"]);
}
