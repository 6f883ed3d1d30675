using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>
/// The Mods tab against a real agent (a Fabric server: its template names <c>mods/</c>), and the file API through the
/// real agent process of the shared game server (an API test here because it needs this fixture's platform and agent,
/// not a second platform of its own).
/// </summary>
public sealed partial class BrowserTests
{
    [Fact]
    public async Task ModsTab_InstallFromUrlThenDisable_ListedWithTheJarsVersionThenMovedAsideOnDisk()
    {
        var platform = portal.Platform;
        var created = await platform.SendAsync(HttpMethod.Post, "/api/servers", platform.Token, new { template = "minecraft-fabric", memoryMb = 1024 });
        var id = created.GetProperty("containerId").GetInt64();
        platform.StartAgent(id, "game", created.GetProperty("agentCredential").GetString()!);
        await platform.WaitForStatusAsync(id, s => s.GetProperty("state").GetString() == "Stopped", "the Fabric server installed");

        // A real jar, built here, served by the platform's loopback artifact store.
        var jar = FabricJar("lithium", "Lithium", "0.11.2");
        var file = $"lithium-{Guid.NewGuid():N}.jar";
        await File.WriteAllBytesAsync(Path.Combine(platform.Root, "artifacts", file), jar);

        var page = await portal.SignedInAsync($"/containers/{id}/mods");
        await Expect(page.Locator("#tab-mods")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#mods-state")).ToHaveTextAsync("mods/: 0 mods");

        await page.FillAsync("#mods-url", $"{platform.ArtifactUrl}/{file}");
        await page.FillAsync("#mods-sha256", Convert.ToHexStringLower(SHA256.HashData(jar)));
        await page.FillAsync("#mods-url-name", "lithium.jar");
        await page.ClickAsync("#mods-url-install");

        await Expect(page.Locator("#message span")).ToHaveTextAsync("lithium.jar installed.");
        var row = page.Locator("#mods-list tr[data-name='lithium.jar']");
        await Expect(row.Locator("td[data-version]")).ToHaveTextAsync("0.11.2");
        await Expect(row.Locator("td").First).ToHaveTextAsync("Lithium (lithium.jar)");
        await Expect(row).ToHaveAttributeAsync("data-enabled", "true");
        var mods = Path.Combine(platform.AgentData(id), "game", "server", "mods");
        Assert.Equal(jar, await File.ReadAllBytesAsync(Path.Combine(mods, "lithium.jar")));

        await row.Locator("[data-action=toggle]").ClickAsync();
        await Expect(page.Locator("#message span")).ToHaveTextAsync("lithium.jar disabled. It takes effect at the server's next start.");
        await Expect(row).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(row.Locator("[data-action=toggle]")).Not.ToBeCheckedAsync();
        Assert.False(File.Exists(Path.Combine(mods, "lithium.jar")));
        Assert.Equal(jar, await File.ReadAllBytesAsync(Path.Combine(mods, ".disabled", "lithium.jar")));

        // A refusal shows the problem's detail on the page and changes nothing.
        await page.FillAsync("#mods-url", $"{platform.ArtifactUrl}/{file}");
        await page.FillAsync("#mods-sha256", Convert.ToHexStringLower(SHA256.HashData(jar)));
        await page.FillAsync("#mods-url-name", "lithium.jar");
        await page.ClickAsync("#mods-url-install");
        await Expect(page.Locator("#mods-install-error")).ToHaveTextAsync("mod 'lithium.jar' is already installed; upgrade it instead");
        await Expect(page.Locator("#mods-list tbody tr")).ToHaveCountAsync(1);

        // "Upload and install…": chunks through the resumable upload API, installed from the upload id in one action.
        var sodium = FabricJar("sodium", "Sodium", "0.5.8");
        var chosen = Path.Combine(Directory.CreateTempSubdirectory("zlh-mods-upload-").FullName, "sodium.jar");
        await File.WriteAllBytesAsync(chosen, sodium);
        await page.SetInputFilesAsync("#mods-upload-input", chosen);
        await Expect(page.Locator("#message span")).ToHaveTextAsync("sodium.jar installed.", new() { Timeout = 60_000 });
        Directory.Delete(Path.GetDirectoryName(chosen)!, recursive: true);
        await Expect(page.Locator("#mods-list tr[data-name='sodium.jar'] td[data-version]")).ToHaveTextAsync("0.5.8");
        await Expect(page.Locator("#mods-progress")).ToHaveJSPropertyAsync("value", 100);
        Assert.Equal(sodium, await File.ReadAllBytesAsync(Path.Combine(mods, "sodium.jar")));
        Assert.False(File.Exists(Path.Combine(platform.AgentData(id), "game", "server", "sodium.jar")));
        await PortalBrowser.ScreenshotAsync(page, "mods");
    }

    [Fact]
    public async Task FileApi_UploadListDownloadThroughTheRealAgent_SameBytesOnTheAgentsDisk()
    {
        var platform = portal.Platform;
        var name = $"real-agent-{Guid.NewGuid():N}.bin";
        // Two chunks of the API's 8 MiB, the last one short: each relayed through silo and agent in pieces.
        var content = RandomNumberGenerator.GetBytes((9 * 1024 * 1024) + 5);
        var prefix = $"{platform.GatewayUrl}/api/servers/{portal.GameId}";

        using var begun = await SendFileApiAsync(HttpMethod.Post, $"{prefix}/uploads", JsonContent.Create(new { path = name, size = content.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) }));
        Assert.Equal(HttpStatusCode.Created, begun.StatusCode);
        var started = await begun.Content.ReadFromJsonAsync<JsonElement>();
        var uploadId = started.GetProperty("uploadId").GetString()!;
        var chunkSize = started.GetProperty("chunkSize").GetInt32();
        Assert.Equal(2, started.GetProperty("chunkCount").GetInt32());
        for (var n = 0; n < 2; n++)
        {
            var chunk = content[(n * chunkSize)..Math.Min(content.Length, (n + 1) * chunkSize)];
            var body = new ByteArrayContent(chunk);
            body.Headers.Add("Content-Digest", "sha-256=:" + Convert.ToBase64String(SHA256.HashData(chunk)) + ":");
            using var put = await SendFileApiAsync(HttpMethod.Put, $"{prefix}/uploads/{uploadId}/chunks/{n}", body);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var completed = await SendFileApiAsync(HttpMethod.Post, $"{prefix}/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);

        using var listed = await SendFileApiAsync(HttpMethod.Get, $"{prefix}/files?path=/", null);
        var entry = (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        using var downloaded = await SendFileApiAsync(HttpMethod.Get, $"{prefix}/files/content?path={Uri.EscapeDataString(name)}", null);
        var read = await downloaded.Content.ReadAsByteArrayAsync();
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(platform.AgentData(portal.GameId), "game", "server", name));
        await DeleteFileAsync(name);

        Assert.Equal(("file", (long)content.Length), (entry.GetProperty("type").GetString(), entry.GetProperty("size").GetInt64()));
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        Assert.True(content.AsSpan().SequenceEqual(read), "the download differs from what was uploaded");
        Assert.True(content.AsSpan().SequenceEqual(onDisk), "the agent's disk holds other bytes than were uploaded");

        // The production path: the real agent dialled each transfer back to the gateway (a fallback to chunked calls is logged).
        var gatewayLog = platform.Gateway!.Log();
        Assert.DoesNotContain("falling back to chunked calls", gatewayLog, StringComparison.Ordinal);
        Assert.DoesNotContain("AgentTransferUrl is not set", gatewayLog, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendFileApiAsync(HttpMethod method, string url, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", portal.Platform.Token);
        return await portal.Platform.Http.SendAsync(request);
    }

    private static byte[] FabricJar(string id, string name, string version)
    {
        var archive = new MemoryStream();
        using (var zip = new ZipArchive(archive, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (entry, text) in new[]
            {
                ("fabric.mod.json", $$"""{"schemaVersion":1,"id":"{{id}}","name":"{{name}}","version":"{{version}}"}"""),
                ("x/Main.class", "code"),
            })
            {
                using var stream = zip.CreateEntry(entry).Open();
                stream.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return archive.ToArray();
    }
}
