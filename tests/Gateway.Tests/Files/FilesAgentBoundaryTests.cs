using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>The agent is the tenant's: what it answers is bounded before it is relayed, and it registers only with its own container's files grain.</summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesAgentBoundaryTests(GatewayFixture fixture)
{
    [Fact]
    public async Task HostileAgent_ListingWithASlashInAName_502AndNothingRelayed()
    {
        var (id, credential) = await ProvisionAsync("files-hostile-list");
        var agent = new HostileAgent();
        var reference = await ConnectAsync(id, credential, agent);
        using var portal = fixture.CreateClient(TestTokens.For("files-hostile-list"));

        var response = await portal.GetAsync($"/api/servers/{id}/files?path=/");

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("io_error", "The container's agent answered a listing that is out of bounds."), (problem.GetProperty("code").GetString(), problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain("../../etc", body, StringComparison.Ordinal);
        fixture.Client.DeleteObjectReference<IFilesAgent>(reference);
        GC.KeepAlive(agent);
    }

    [Fact]
    public async Task HostileAgent_RefusalWithAnUnknownCodeAndAHugeMessage_RelayedAsIoErrorCutTo500Characters()
    {
        var (id, credential) = await ProvisionAsync("files-hostile-refusal");
        var agent = new HostileAgent();
        var reference = await ConnectAsync(id, credential, agent);
        using var portal = fixture.CreateClient(TestTokens.For("files-hostile-refusal"));

        var response = await portal.PostAsJsonAsync($"/api/servers/{id}/files/mkdir", new { path = "x" });

        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("io_error", problem.GetProperty("code").GetString());
        Assert.Equal(new string('x', FileLimits.MessageChars), problem.GetProperty("detail").GetString());
        fixture.Client.DeleteObjectReference<IFilesAgent>(reference);
        GC.KeepAlive(agent);
    }

    [Fact]
    public async Task AgentOfContainerA_RegistersWithBsFilesGrain_Rejected()
    {
        var (a, credentialA) = await ProvisionAsync("files-agent-a");
        var (b, _) = await ProvisionAsync("files-agent-b");
        var reference = fixture.Client.CreateObjectReference<IFilesAgent>(new HostileAgent());
        RequestContext.Set(CallContextKeys.AgentContainerId, a);
        RequestContext.Set(CallContextKeys.AgentCredential, credentialA);
        try
        {
            var other = await Assert.ThrowsAsync<CallerRejectedException>(() => fixture.Client.GetGrain<IFilesGrain>(b).ConnectAgentAsync(reference));

            Assert.Equal("zlh.IFilesGrain.ConnectAgentAsync accepts Agent callers only; this caller did not prove to be one.", other.Message.Replace("ZlhGrind.Grains.Files.IFilesGrain", "zlh.IFilesGrain", StringComparison.Ordinal));
        }
        finally
        {
            RequestContext.Clear();
            fixture.Client.DeleteObjectReference<IFilesAgent>(reference);
        }
    }

    private async Task<(long Id, string Credential)> ProvisionAsync(string owner)
    {
        using var portal = fixture.CreateClient(TestTokens.For(owner));
        var created = await portal.PostAsJsonAsync("/api/servers", new { template = "generic", startCommand = "sh run.sh", stopCommand = "stop", memoryMb = 1024 });
        var result = await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ProvisionResult>(Json.Options);
        return (result!.ContainerId, result.AgentCredential);
    }

    /// <summary>
    /// Registers <paramref name="agent"/> as the container's file endpoint. The client holds an observer only weakly:
    /// the caller keeps <paramref name="agent"/> alive (GC.KeepAlive) until its last call, or a collection in between
    /// turns the grain's call into a 30 s timeout (503).
    /// </summary>
    private async Task<IFilesAgent> ConnectAsync(long id, string credential, IFilesAgent agent)
    {
        var reference = fixture.Client.CreateObjectReference<IFilesAgent>(agent);
        RequestContext.Set(CallContextKeys.AgentContainerId, id);
        RequestContext.Set(CallContextKeys.AgentCredential, credential);
        await fixture.Client.GetGrain<IFilesGrain>(id).ConnectAgentAsync(reference);
        RequestContext.Clear();
        return reference;
    }

    /// <summary>An agent its tenant rewrote: names that climb out, an unknown refusal code with a flood of text.</summary>
    private sealed class HostileAgent : IFilesAgent
    {
        public Task<FileListing> ListAsync(string path) =>
            Task.FromResult(new FileListing([new FileItem("../../etc", "file", 1, 0x1A4, DateTimeOffset.UnixEpoch, null)], false));

        public Task MakeDirectoryAsync(string path) => throw new FileRefusedException("rm -rf /", new string('x', 10_000));

        public Task<FileStat> StatAsync(string path) => throw new NotSupportedException();

        public Task<FileBlock> ReadAsync(string path, long offset, int count) => throw new NotSupportedException();

        public Task<string> BeginWriteAsync(string path) => throw new NotSupportedException();

        public Task<string> BeginChunkAsync(string uploadId, int index, byte[] sha256) => throw new NotSupportedException();

        public Task AppendAsync(string writeId, long offset, byte[] data) => throw new NotSupportedException();

        public Task<long> FinishAsync(string writeId) => throw new NotSupportedException();

        public Task AbortAsync(string writeId) => throw new NotSupportedException();

        public Task RenameAsync(string from, string to) => throw new NotSupportedException();

        public Task CopyAsync(string from, string to) => throw new NotSupportedException();

        public Task DeleteAsync(string path) => throw new NotSupportedException();

        public Task ChangeModeAsync(string path, int mode) => throw new NotSupportedException();

        public Task<long> CompressAsync(IReadOnlyList<string> paths, string destination, string format) => throw new NotSupportedException();

        public Task<long> ExtractAsync(string archive, string destination) => throw new NotSupportedException();

        public Task<UploadStarted> BeginUploadAsync(string path, long size, byte[] sha256) => throw new NotSupportedException();

        public Task<UploadState> GetUploadAsync(string uploadId) => throw new NotSupportedException();

        public Task<long> CompleteUploadAsync(string uploadId) => throw new NotSupportedException();

        public Task DialTransferAsync(FileTransferOrder order) => throw new NotSupportedException();
    }
}
