using System.Text;
using System.Text.Json;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Tests.TestSupport;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Agent.Tests.Files;

/// <summary>A dev container's file API is rooted at the prepared dev user's workspace: the folder code-server opens.</summary>
[Collection(CodeServerCollection.Name)]
public sealed class DevFilesRootTests
{
    [Fact]
    public async Task WriteAsync_DevUserPrepared_LandsInTheFolderCodeServerOpens()
    {
        await using var harness = await DevHarness.StartAsync();
        var relay = harness.Get<FilesRelay>();

        // Before the dev user exists there is no workspace, and nothing is written anywhere.
        var early = await Assert.ThrowsAsync<FileRefusedException>(() => relay.ListAsync("/"));
        Assert.Equal(("not_found", "the container's files do not exist yet (it is still being provisioned)"), (early.Code, early.Message));

        await harness.Environment.EnsureAsync(CancellationToken.None);
        await harness.CodeServerInstaller.EnsureInstalledAsync(CancellationToken.None);
        await harness.CodeServer.StartAsync(CancellationToken.None);
        using var http = new HttpClient();
        var opened = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://{harness.CodeServer.Endpoint}/__standin/folder")))
            .RootElement.GetProperty("folder").GetString()!;
        var text = Encoding.UTF8.GetBytes("written through the file API\n");

        var writeId = await relay.BeginWriteAsync("notes.txt");
        await relay.AppendAsync(writeId, 0, text);
        var written = await relay.FinishAsync(writeId);
        var listing = await relay.ListAsync("/");

        Assert.Equal(text.Length, written);
        Assert.Equal(harness.Root.Combine("home", "dev", "workspace"), opened);
        Assert.Equal(text, await File.ReadAllBytesAsync(Path.Combine(opened, "notes.txt")));
        Assert.Equal([("notes.txt", "file", (long)text.Length)], listing.Entries.Select(e => (e.Name, e.Type, e.Size)));
    }
}
