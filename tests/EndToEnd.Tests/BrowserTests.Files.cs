using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using ZlhGrind.EndToEnd.Tests.Platform;

namespace ZlhGrind.EndToEnd.Tests;

/// <summary>The Files tab: an upload through the portal's resumable upload and an in-place edit, checked through the API.</summary>
public sealed partial class BrowserTests
{
    [Fact]
    public async Task FilesTab_UploadAndEditServerProperties_ListedWithItsSizeAndReadBackThroughTheApi()
    {
        await PutFileAsync("server.properties", "motd=before\n");
        var page = await portal.SignedInAsync($"/containers/{portal.GameId}/files");
        await Expect(page.Locator("#tab-files")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#files-list tr[data-name='server.properties']")).ToHaveCountAsync(1);

        // Several pieces of the relay's 1 MiB, the last one short, in one chunk of the API's 8 MiB.
        var name = $"world-{Guid.NewGuid():N}.bin";
        var content = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 17);
        // Chosen from disk, as a person picks a file (a payload of this size through the driver is slow on a busy machine).
        var chosen = Path.Combine(Directory.CreateTempSubdirectory("zlh-files-upload-").FullName, name);
        await File.WriteAllBytesAsync(chosen, content);
        await page.SetInputFilesAsync("#files-upload-input", chosen, new PageSetInputFilesOptions { Timeout = 60_000 });
        // Through gateway, cluster and agent at a few MiB/s when the machine is busy: a generous bound.
        await Expect(page.Locator("#message span")).ToHaveTextAsync($"{name} uploaded.", new() { Timeout = 120_000 });

        // The browser reads the chosen file while it uploads: removed only once it is in.
        Directory.Delete(Path.GetDirectoryName(chosen)!, recursive: true);
        await Expect(page.Locator("#files-progress")).ToHaveJSPropertyAsync("value", 100);
        await Expect(page.Locator("#files-progress-text")).ToHaveTextAsync($"{name}: 3 MiB uploaded (100%)");
        var row = page.Locator($"#files-list tr[data-name='{name}']");
        await Expect(row.Locator("td[data-size]")).ToHaveAttributeAsync("data-size", content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(row.Locator("td[data-size]")).ToHaveTextAsync("3 MiB");
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await GetFileAsync(name)));

        // Edited in place and saved; the API reads the new text back.
        await page.ClickAsync("#files-list tr[data-name='server.properties'] [data-action=edit]");
        await Expect(page.Locator("#files-editor-text")).ToHaveValueAsync("motd=before\n");
        await page.FillAsync("#files-editor-text", "motd=edited in the portal\nmax-players=8\n");
        await page.ClickAsync("#files-editor-save");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("/server.properties saved.");
        Assert.Equal("motd=edited in the portal\nmax-players=8\n", Encoding.UTF8.GetString(await GetFileAsync("server.properties")));

        // A refusal shows the problem's detail, and nothing changes.
        await page.FillAsync("#files-mkdir-name", "server.properties");
        await page.ClickAsync("#files-mkdir");
        await Expect(page.Locator("#message span")).ToHaveTextAsync("'/server.properties' already exists");
        await Expect(page.Locator("#files-list tr[data-name='server.properties']")).ToHaveAttributeAsync("data-type", "file");
        await PortalBrowser.ScreenshotAsync(page, "files");
        await DeleteFileAsync(name);
    }

    private async Task PutFileAsync(string path, string text)
    {
        using var request = FileRequest(HttpMethod.Put, $"/files/content?path={Uri.EscapeDataString(path)}");
        request.Content = new StringContent(text, Encoding.UTF8);
        using var response = await portal.Platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<byte[]> GetFileAsync(string path)
    {
        using var request = FileRequest(HttpMethod.Get, $"/files/content?path={Uri.EscapeDataString(path)}");
        using var response = await portal.Platform.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task DeleteFileAsync(string path) =>
        await portal.Platform.SendAsync(HttpMethod.Post, $"/api/servers/{portal.GameId}/files/delete", portal.Platform.Token, new { path });

    private HttpRequestMessage FileRequest(HttpMethod method, string route)
    {
        var request = new HttpRequestMessage(method, $"{portal.Platform.GatewayUrl}/api/servers/{portal.GameId}{route}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", portal.Platform.Token);
        return request;
    }
}
