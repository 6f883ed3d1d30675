using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>The spec's disk quota and the template's denylist, set through the API, hold in the agent's file manager.</summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesPolicyTests(GatewayFixture fixture)
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task BeginUpload_LargerThanTheSpecsDiskMb_Refused507BeforeItsFirstByteAndNothingOnDisk()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-quota-spec", diskMb: 1);
        using var portal = rig.Portal();

        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "world.zip", size = 2 * MiB, sha256 = new string('0', 64) });
        var status = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/status");

        await ProblemAssert.ExactAsync(begun, HttpStatusCode.InsufficientStorage, "quota_exceeded", $"the disk quota of {MiB} bytes would be exceeded (0 used, {2 * MiB} more needed)");
        Assert.Empty(Directory.EnumerateFiles(rig.Root, "*", SearchOption.AllDirectories));
        Assert.Equal(1, status.GetProperty("game").GetProperty("diskMb").GetInt32());
    }

    [Fact]
    public async Task Write_FitsThenExceedsTheSpecsDiskMb_SecondRefused507AndTheFirstKept()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-quota-write", diskMb: 1);
        using var portal = rig.Portal();

        var first = await portal.PutAsync($"{rig.Prefix}/files/content?path=a.bin", new ByteArrayContent(new byte[MiB - 10]));
        var second = await portal.PutAsync($"{rig.Prefix}/files/content?path=b.bin", new ByteArrayContent(new byte[11]));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ProblemAssert.ExactAsync(second, HttpStatusCode.InsufficientStorage, "quota_exceeded", $"the disk quota of {MiB} bytes would be exceeded ({MiB - 10} used, 11 more needed)");
        Assert.Equal(["a.bin"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024 * 1024 + 1)]
    public async Task Provision_DiskMbOutOfRange_400AndNothingCreated(int diskMb)
    {
        var user = "files-quota-bad-" + diskMb;
        using var portal = fixture.CreateClient(TestTokens.For(user));

        var created = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "sh run.sh", memoryMb = 1024, diskMb });
        var servers = await portal.GetFromJsonAsync<JsonElement>("/api/servers");

        await ProblemAssert.ExactAsync(created, HttpStatusCode.BadRequest, null, "diskMb must be between 1 and 16777216.");
        Assert.Equal(0, servers.GetArrayLength());
    }

    [Fact]
    public async Task WriteRenameExtract_OntoTheTemplatesDeniedPaths_Refused403AndNothingChanged()
    {
        await using var rig = await StartWithTemplateAsync(fixture, "files-denylist", "files-denylist-tpl");
        File.WriteAllText(Path.Combine(rig.Root, "ok.txt"), "ok");
        Directory.CreateDirectory(Path.Combine(rig.Root, "out"));
        using var portal = rig.Portal();
        var archive = new MemoryStream();
        using (var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("keys/token.secret").Open());
            writer.Write("stolen");
        }

        File.WriteAllBytes(Path.Combine(rig.Root, "drop.zip"), archive.ToArray());

        var write = await portal.PutAsync($"{rig.Prefix}/files/content?path=api.secret", new StringContent("x"));
        var rename = await portal.PostAsJsonAsync($"{rig.Prefix}/files/rename", new { from = "ok.txt", to = "locked/ok.txt" });
        var extract = await portal.PostAsJsonAsync($"{rig.Prefix}/files/extract", new { archive = "drop.zip", destination = "out" });

        await ProblemAssert.ExactAsync(write, HttpStatusCode.Forbidden, "denied_by_template", "'api.secret' is denied by the server's template");
        await ProblemAssert.ExactAsync(rename, HttpStatusCode.Forbidden, "denied_by_template", "'locked/ok.txt' is denied by the server's template");
        await ProblemAssert.ExactAsync(extract, HttpStatusCode.Forbidden, "denied_by_template", "'out/keys/token.secret' is denied by the server's template");
        Assert.Equal(["drop.zip", "ok.txt", "out"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(rig.Root, "out")));
        Assert.Equal("ok", File.ReadAllText(Path.Combine(rig.Root, "ok.txt")));
    }

    /// <summary>An editable template (like generic) whose files deny *.secret and anything in a locked/ directory, with mods in mods/.</summary>
    /// <summary>
    /// Provisions a server for <paramref name="owner"/> from such a template, then removes the template from the shared
    /// catalog (the server keeps what was rendered; other tests list the catalog).
    /// </summary>
    internal static async Task<FilesRig> StartWithTemplateAsync(GatewayFixture fixture, string owner, string name, bool connect = true)
    {
        using var ops = fixture.CreateClient(TestTokens.For("files-tpl-ops", isOperator: true));
        await PutTemplateAsync(ops, name);
        try
        {
            return await FilesRig.StartAsync(fixture, owner, connect: connect, template: name);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await ops.DeleteAsync($"/api/servers/templates/{name}")).StatusCode);
        }
    }

    private static async Task PutTemplateAsync(HttpClient ops, string name)
    {
        var template = new GameTemplate(
            name, "1", "A test server with a denylist and a mods directory.", [], StartCommandEditable: true, DefaultPort: null, [],
            new StopMethod(null, 15, TimeSpan.FromSeconds(10)), new Readiness(null, false, TimeSpan.FromMinutes(1)), [],
            "mods", ["*.secret", "locked/"], null);
        var put = await ops.PutAsJsonAsync($"/api/servers/templates/{name}", template, Json.Options);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }
}
