using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ZlhGrind.Gateway.Tests.Files;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Mods;

namespace ZlhGrind.Gateway.Tests.Mods;

[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ModsTests(GatewayFixture fixture)
{
    private const string Template = "mods-test-tpl";

    [Fact]
    public async Task List_RealAndHostileJars_NameAndVersionFromEachFileHostileOnesUnknown()
    {
        await using var rig = await StartAsync("mods-list");
        var mods = Directory.CreateDirectory(Path.Combine(rig.Root, "mods")).FullName;
        var fabric = ModJars.Fabric("sodium", "Sodium", "0.5.8");
        File.WriteAllBytes(Path.Combine(mods, "sodium.jar"), fabric);
        File.WriteAllBytes(Path.Combine(mods, "jei.jar"), ModJars.Forge("jei", "Just Enough Items", "15.2.0.27"));
        File.WriteAllBytes(Path.Combine(mods, "essentials.jar"), ModJars.Plugin("EssentialsX", "2.20.1"));
        File.WriteAllBytes(Path.Combine(mods, "huge.jar"), ModJars.Build(("fabric.mod.json", "{\"version\":\"1\"" + new string(' ', 200 * 1024) + "}")));
        File.WriteAllBytes(Path.Combine(mods, "bomb.jar"), ModJars.Build(("fabric.mod.json", new string('0', 32 * 1024 * 1024))));
        File.WriteAllBytes(Path.Combine(mods, "malformed.jar"), ModJars.Build(("fabric.mod.json", "{\"id\":\"x\",\"version\":")));
        File.WriteAllText(Path.Combine(mods, "broken.jar"), "not a zip at all");
        Directory.CreateDirectory(Path.Combine(mods, "worldedit"));
        File.WriteAllText(Path.Combine(mods, "worldedit", "mod.conf"), "id=worldedit\nname=WorldEdit\nversion=7.3.0\n");
        using var portal = rig.Portal();

        var listing = await portal.GetFromJsonAsync<ModListing>($"{rig.Prefix}/mods", Json.Options);

        Assert.Equal("mods", listing!.Directory);
        var shown = listing.Mods.Select(m => (m.Name, m.Kind, m.ModId, m.DisplayName, m.Version, m.Enabled)).ToList();
        Assert.Equal(
            [
                ("bomb.jar", "jar", null, null, null, true),
                ("broken.jar", "jar", null, null, null, true),
                ("essentials.jar", "jar", "EssentialsX", "EssentialsX", "2.20.1", true),
                ("huge.jar", "jar", null, null, null, true),
                ("jei.jar", "jar", "jei", "Just Enough Items", "15.2.0.27", true),
                ("malformed.jar", "jar", null, null, null, true),
                ("sodium.jar", "jar", "sodium", "Sodium", "0.5.8", true),
                ("worldedit", "directory", "worldedit", "WorldEdit", "7.3.0", true),
            ],
            shown);
        var sodium = listing.Mods.Single(m => m.Name == "sodium.jar");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fabric)), sodium.Sha256);
        Assert.Equal(fabric.Length, sodium.Size);
        Assert.False(sodium.Managed);
    }

    [Fact]
    public async Task InstallByUrl_WrongSha256_Refused400AndNothingLands()
    {
        await using var rig = await StartAsync("mods-url-bad");
        var jar = ModJars.Fabric("lithium", "Lithium", "0.11.2");
        await using var artifacts = await ArtifactServer.StartAsync(jar);
        using var portal = rig.Portal();
        var wrong = new string('a', 64);

        var install = await portal.PostAsJsonAsync($"{rig.Prefix}/mods", new { name = "lithium.jar", url = artifacts.Url, sha256 = wrong });

        await ProblemAssert.ExactAsync(
            install, HttpStatusCode.BadRequest, "digest_mismatch",
            $"the artifact at {artifacts.Url} has sha256 {Convert.ToHexStringLower(SHA256.HashData(jar))}, not the {wrong} given; nothing was written");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(rig.Root, "mods"), "*", SearchOption.AllDirectories));
        Assert.Equal(1, artifacts.Requests);
    }

    [Fact]
    public async Task InstallDisableEnableUpgradeRollbackRemove_RoundTrip_EachStepOnDiskAndInTheListing()
    {
        await using var rig = await StartAsync("mods-roundtrip");
        var v1 = ModJars.Fabric("lithium", "Lithium", "0.11.1");
        var v2 = ModJars.Fabric("lithium", "Lithium", "0.11.2");
        await using var artifacts = await ArtifactServer.StartAsync(v2);
        File.WriteAllBytes(Path.Combine(rig.Root, "upload.jar"), v1);
        using var portal = rig.Portal();
        var prefix = $"{rig.Prefix}/mods";
        var enabled = Path.Combine(rig.Root, "mods", "lithium.jar");
        var disabled = Path.Combine(rig.Root, "mods", ".disabled", "lithium.jar");
        var previous = Path.Combine(rig.Root, "mods", ".previous", "lithium.jar");

        var installed = await ReadModAsync(await portal.PostAsJsonAsync(prefix, new { name = "lithium.jar", path = "upload.jar" }), HttpStatusCode.Created);
        Assert.Equal(("0.11.1", true, true, false), (installed.Version, installed.Enabled, installed.Managed, installed.HasPrevious));
        Assert.False(File.Exists(Path.Combine(rig.Root, "upload.jar")));
        Assert.Equal(v1, File.ReadAllBytes(enabled));

        var off = await ReadModAsync(await portal.PostAsync($"{prefix}/lithium.jar/disable", null), HttpStatusCode.OK);
        Assert.False(off.Enabled);
        Assert.False(File.Exists(enabled));
        Assert.Equal(v1, File.ReadAllBytes(disabled));

        var on = await ReadModAsync(await portal.PostAsync($"{prefix}/lithium.jar/enable", null), HttpStatusCode.OK);
        Assert.True(on.Enabled);
        Assert.Equal(v1, File.ReadAllBytes(enabled));

        var upgraded = await ReadModAsync(
            await portal.PostAsJsonAsync($"{prefix}/lithium.jar/upgrade", new { url = artifacts.Url, sha256 = Convert.ToHexStringLower(SHA256.HashData(v2)) }), HttpStatusCode.OK);
        Assert.Equal(("0.11.2", true), (upgraded.Version, upgraded.HasPrevious));
        Assert.Equal(v2, File.ReadAllBytes(enabled));
        Assert.Equal(v1, File.ReadAllBytes(previous));

        var rolledBack = await ReadModAsync(await portal.PostAsync($"{prefix}/lithium.jar/rollback", null), HttpStatusCode.OK);
        Assert.Equal(("0.11.1", false), (rolledBack.Version, rolledBack.HasPrevious));
        Assert.Equal(v1, File.ReadAllBytes(enabled));
        Assert.False(File.Exists(previous));
        var again = await portal.PostAsync($"{prefix}/lithium.jar/rollback", null);
        await ProblemAssert.ExactAsync(again, HttpStatusCode.NotFound, "not_found", "mod 'lithium.jar' has no previous version to roll back to");

        var removed = await portal.DeleteAsync($"{prefix}/lithium.jar");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.False(File.Exists(enabled));
        var listing = await portal.GetFromJsonAsync<ModListing>(prefix, Json.Options);
        Assert.Empty(listing!.Mods);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(rig.State, "mods.json"))).RootElement;
        Assert.Equal(["lithium.jar"], manifest.GetProperty("ChangedSinceCleanRun").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("POST", "/mods", """{"name":".disabled","path":"a.jar"}""", "A mod name is 1 to 128 characters without '/', '\\' or control characters and does not start with '.'.")]
    [InlineData("POST", "/mods", """{"name":"a.jar","path":"a.jar","url":"http://127.0.0.1/a.jar","sha256":"aa"}""", "A mod comes from either path (a file in the server's directory), url with sha256, or uploadId (an upload whose chunks are all in).")]
    [InlineData("POST", "/mods", """{"name":"a.jar","path":"a.jar","uploadId":"0123456789abcdef0123456789abcdef"}""", "A mod comes from either path (a file in the server's directory), url with sha256, or uploadId (an upload whose chunks are all in).")]
    [InlineData("POST", "/mods", """{"name":"a.jar","uploadId":"../.zlh-uploads/x"}""", "uploadId is not a valid id.")]
    [InlineData("POST", "/mods", """{"name":"a.jar","url":"file:///etc/passwd","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "url must be an absolute http or https URL of at most 2048 characters.")]
    [InlineData("POST", "/mods", """{"name":"a.jar","url":"http://127.0.0.1/a.jar","sha256":"xyz"}""", "sha256 must be the mod's SHA-256 as 64 hexadecimal digits.")]
    [InlineData("POST", "/mods/..%2Fserver.properties/disable", "", "A mod name is 1 to 128 characters without '/', '\\' or control characters and does not start with '.'.")]
    public async Task ModRoutes_InvalidNameOrSource_400AndNothingChanged(string method, string route, string body, string detail)
    {
        await using var rig = await StartAsync("mods-bad-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(Path.Combine(rig.Root, "a.jar"), ModJars.Plugin("A", "1"));
        using var portal = rig.Portal();
        using var request = new HttpRequestMessage(new HttpMethod(method), rig.Prefix + route)
        {
            Content = new StringContent(body.Length == 0 ? "{}" : body, System.Text.Encoding.UTF8, "application/json"),
        };

        var response = await portal.SendAsync(request);

        await ProblemAssert.ExactAsync(response, HttpStatusCode.BadRequest, null, detail);
        Assert.Equal(["a.jar"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task InstallFromUpload_AllChunksIn_InstalledStraightIntoTheModsDirectoryAndTheUploadGone()
    {
        await using var rig = await StartAsync("mods-upload");
        var jar = ModJars.Fabric("lithium", "Lithium", "0.11.3");
        using var portal = rig.Portal();
        var uploadId = await BeginUploadAsync(portal, rig, "lithium.jar", jar);
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(portal, rig, uploadId, jar)).StatusCode);

        var installed = await ReadModAsync(await portal.PostAsJsonAsync($"{rig.Prefix}/mods", new { name = "lithium.jar", uploadId }), HttpStatusCode.Created);

        Assert.Equal(("lithium.jar", "0.11.3", true, true, Convert.ToHexStringLower(SHA256.HashData(jar))), (installed.Name, installed.Version, installed.Enabled, installed.Managed, installed.Sha256));
        Assert.Equal(jar, File.ReadAllBytes(Path.Combine(rig.Root, "mods", "lithium.jar")));
        Assert.False(File.Exists(Path.Combine(rig.Root, "lithium.jar")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(rig.Root, ".zlh-uploads")));
        Assert.Equal(["lithium.jar"], Directory.GetFiles(Path.Combine(rig.Root, "mods"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        await ProblemAssert.ExactAsync(
            await portal.GetAsync($"{rig.Prefix}/uploads/{uploadId}"), HttpStatusCode.NotFound, "not_found",
            $"upload '{uploadId}' does not exist (it completed, was aborted or expired)");
    }

    [Fact]
    public async Task InstallFromUpload_UnknownUploadId_404AndNothingChanged()
    {
        await using var rig = await StartAsync("mods-upload-unknown");
        using var portal = rig.Portal();
        const string unknown = "0123456789abcdef0123456789abcdef";

        var install = await portal.PostAsJsonAsync($"{rig.Prefix}/mods", new { name = "lithium.jar", uploadId = unknown });

        await ProblemAssert.ExactAsync(install, HttpStatusCode.NotFound, "not_found", $"upload '{unknown}' does not exist (it completed, was aborted or expired)");
        Assert.False(Directory.Exists(Path.Combine(rig.Root, "mods")));
    }

    [Fact]
    public async Task InstallFromUpload_ChunkMissing_400AndNothingChangedTheUploadStillResumable()
    {
        await using var rig = await StartAsync("mods-upload-partial");
        var jar = ModJars.Fabric("lithium", "Lithium", "0.11.3");
        using var portal = rig.Portal();
        var uploadId = await BeginUploadAsync(portal, rig, "lithium.jar", jar);

        var install = await portal.PostAsJsonAsync($"{rig.Prefix}/mods", new { name = "lithium.jar", uploadId });

        await ProblemAssert.ExactAsync(install, HttpStatusCode.BadRequest, "invalid_argument", "1 of 1 chunks are still missing");
        Assert.False(Directory.Exists(Path.Combine(rig.Root, "mods")));
        var state = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/uploads/{uploadId}");
        Assert.Equal(0, state.GetProperty("receivedChunks").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(portal, rig, uploadId, jar)).StatusCode);
        var resumed = await ReadModAsync(await portal.PostAsJsonAsync($"{rig.Prefix}/mods", new { name = "lithium.jar", uploadId }), HttpStatusCode.Created);
        Assert.Equal("0.11.3", resumed.Version);
    }

    [Fact]
    public async Task ListMods_AnotherUsersServer_404AndTheAgentNotAsked()
    {
        await using var rig = await StartAsync("mods-owner");
        using var mallory = rig.Portal("mods-mallory");

        var response = await mallory.GetAsync($"{rig.Prefix}/mods");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(rig.Root, "mods")));
    }

    [Fact]
    public async Task ListMods_AgentNotConnected_503()
    {
        await using var rig = await FilesPolicyTests.StartWithTemplateAsync(fixture, "mods-offline", Template, connect: false);
        using var portal = rig.Portal();

        var response = await portal.GetAsync($"{rig.Prefix}/mods");

        await ProblemAssert.ExactAsync(response, HttpStatusCode.ServiceUnavailable, null, "The container's agent is not connected; its files cannot be reached now.");
    }

    private static async Task<ModInfo> ReadModAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<ModInfo>(body, Json.Options)!;
    }

    private static async Task<string> BeginUploadAsync(HttpClient portal, FilesRig rig, string path, byte[] content)
    {
        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path, size = content.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) });
        Assert.Equal(HttpStatusCode.Created, begun.StatusCode);
        return (await begun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
    }

    private static async Task<HttpResponseMessage> PutChunkAsync(HttpClient portal, FilesRig rig, string uploadId, byte[] content)
    {
        using var chunk = new ByteArrayContent(content);
        chunk.Headers.Add("Content-Digest", "sha-256=:" + Convert.ToBase64String(SHA256.HashData(content)) + ":");
        return await portal.PutAsync($"{rig.Prefix}/uploads/{uploadId}/chunks/0", chunk);
    }

    private Task<FilesRig> StartAsync(string owner) => FilesPolicyTests.StartWithTemplateAsync(fixture, owner, Template);

    /// <summary>A loopback HTTP server handing out one artifact at <see cref="Url"/>, counting requests.</summary>
    private sealed class ArtifactServer(WebApplication app) : IAsyncDisposable
    {
        private int _requests;

        public string Url { get; private set; } = "";

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<ArtifactServer> StartAsync(byte[] content)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var server = new ArtifactServer(app);
            app.MapGet("/mod.jar", () =>
            {
                Interlocked.Increment(ref server._requests);
                return Results.Bytes(content, "application/java-archive");
            });
            await app.StartAsync();
            server.Url = app.Urls.Single() + "/mod.jar";
            return server;
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
