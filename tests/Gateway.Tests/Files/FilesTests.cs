using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZlhGrind.Gateway.Files;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Files;

[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesTests(GatewayFixture fixture)
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task List_PlantedSymlink_ShownAsLinkWithItsTargetNeverFollowed()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-list");
        File.WriteAllText(Path.Combine(rig.Root, "server.properties"), "motd=hi\n");
        Directory.CreateDirectory(Path.Combine(rig.Root, "world"));
        File.CreateSymbolicLink(Path.Combine(rig.Root, "escape"), rig.Outside);
        File.SetUnixFileMode(Path.Combine(rig.Root, "server.properties"), (UnixFileMode)0x1A4);
        using var portal = rig.Portal();

        var listing = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/files?path=/");

        var entries = listing.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("name").GetString(), e.GetProperty("type").GetString(), e.GetProperty("size").GetInt64(), e.GetProperty("linkTarget").GetString()))
            .ToList();
        Assert.Equal([("escape", "link", 0L, rig.Outside), ("server.properties", "file", 8L, null), ("world", "directory", 0L, null)], entries);
        Assert.Equal(0x1A4, listing.GetProperty("entries")[1].GetProperty("mode").GetInt32());
        Assert.False(listing.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task List_ThroughALinkToOutside_Refused403AndNothingListed()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-list-escape");
        File.WriteAllText(Path.Combine(rig.Outside, "secret.txt"), "secret");
        File.CreateSymbolicLink(Path.Combine(rig.Root, "escape"), rig.Outside);
        using var portal = rig.Portal();

        var response = await portal.GetAsync($"{rig.Prefix}/files?path=escape");

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "outside_root", "'escape' resolves outside the root");
    }

    [Fact]
    public async Task Download_WithRangeAcrossAPieceBoundary_Returns206WithExactlyThoseBytes()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-range");
        var content = RandomNumberGenerator.GetBytes((3 * MiB) + 5);
        File.WriteAllBytes(Path.Combine(rig.Root, "world.bin"), content);
        using var portal = rig.Portal();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{rig.Prefix}/files/content?path=world.bin");
        request.Headers.Range = new RangeHeaderValue(MiB - 6, MiB + 9);
        using var partial = await portal.SendAsync(request);
        using var whole = await portal.GetAsync($"{rig.Prefix}/files/content?path=world.bin");

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes {MiB - 6}-{MiB + 9}/{content.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(content[(MiB - 6)..(MiB + 10)], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await whole.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Download_RangeBeyondTheEnd_Returns416WithTheLength()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-416");
        File.WriteAllBytes(Path.Combine(rig.Root, "small.bin"), new byte[100]);
        using var portal = rig.Portal();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{rig.Prefix}/files/content?path=small.bin");
        request.Headers.Range = new RangeHeaderValue(100, 200);
        using var response = await portal.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */100", response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Download_ThroughALinkToAnOutsideFile_Refused403()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-download-escape");
        File.WriteAllText(Path.Combine(rig.Outside, "shadow"), "root:x:0:0");
        File.CreateSymbolicLink(Path.Combine(rig.Root, "shadow"), Path.Combine(rig.Outside, "shadow"));
        using var portal = rig.Portal();

        var response = await portal.GetAsync($"{rig.Prefix}/files/content?path=shadow");

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "outside_root", "'shadow' resolves outside the root");
    }

    [Fact]
    public async Task Put_Exactly16MiB_WrittenWithItsBytes()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-put");
        var content = RandomNumberGenerator.GetBytes(16 * MiB);
        using var portal = rig.Portal();

        var response = await portal.PutAsync($"{rig.Prefix}/files/content?path=config.yml", new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var written = await response.Content.ReadFromJsonAsync<FileWritten>(Json.Options);
        Assert.Equal(new FileWritten("config.yml", content.Length), written);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(File.ReadAllBytes(Path.Combine(rig.Root, "config.yml"))));
        Assert.Equal(["config.yml"], Directory.GetFileSystemEntries(rig.Root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Put_16MiBPlusOne_Refused413BeforeReadingAndNothingWritten()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-put-413");
        using var portal = rig.Portal();

        // Expect: 100-continue, as a careful client sends a large body: the refusal comes before any byte is sent.
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{rig.Prefix}/files/content?path=big.bin") { Content = new ByteArrayContent(new byte[(16 * MiB) + 1]) };
        request.Headers.ExpectContinue = true;
        var response = await portal.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, null, "The request body is larger than the 16777216 bytes this route accepts.");
        Assert.Empty(Directory.GetFileSystemEntries(rig.Root));
        Assert.Equal(0, rig.Relay.OpenWrites);
    }

    [Fact]
    public async Task Put_ThroughALinkedDirectoryToOutside_Refused403AndOutsideUntouched()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-put-escape");
        File.CreateSymbolicLink(Path.Combine(rig.Root, "plugins"), rig.Outside);
        using var portal = rig.Portal();

        var response = await portal.PutAsync($"{rig.Prefix}/files/content?path=plugins/pwned.sh", new StringContent("#!/bin/sh\nid\n"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "outside_root", "'plugins/pwned.sh' resolves outside the root");
        Assert.Empty(Directory.GetFileSystemEntries(rig.Outside));
        Assert.Equal(0, rig.Relay.OpenWrites);
    }

    [Fact]
    public async Task Put_OntoALinkToAnOutsideFile_ReplacesTheLinkNeverWritesThrough()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-put-onto-link");
        var victim = Path.Combine(rig.Outside, "authorized_keys");
        File.WriteAllText(victim, "original");
        File.CreateSymbolicLink(Path.Combine(rig.Root, "ops.json"), victim);
        using var portal = rig.Portal();

        var response = await portal.PutAsync($"{rig.Prefix}/files/content?path=ops.json", new StringContent("attacker"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("original", File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(rig.Root, "ops.json")).LinkTarget);
        Assert.Equal("attacker", File.ReadAllText(Path.Combine(rig.Root, "ops.json")));
    }

    [Fact]
    public async Task Delete_ThroughALinkToOutside_RefusedAndTheLinkItselfDeletesAlone()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-delete-escape");
        File.WriteAllText(Path.Combine(rig.Outside, "victim.txt"), "keep");
        File.CreateSymbolicLink(Path.Combine(rig.Root, "logs"), rig.Outside);
        using var portal = rig.Portal();

        var through = await portal.PostAsJsonAsync($"{rig.Prefix}/files/delete", new { path = "logs/victim.txt" });
        var link = await portal.PostAsJsonAsync($"{rig.Prefix}/files/delete", new { path = "logs" });

        await AssertProblemAsync(through, HttpStatusCode.Forbidden, "outside_root", "'logs/victim.txt' resolves outside the root");
        Assert.Equal(HttpStatusCode.NoContent, link.StatusCode);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(rig.Outside, "victim.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(rig.Root));
    }

    [Fact]
    public async Task Chmod_OfALinkToAnOutsideFile_Refused403AndTheTargetsModeUnchanged()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-chmod-link");
        var victim = Path.Combine(rig.Outside, "passwd");
        File.WriteAllText(victim, "x");
        File.SetUnixFileMode(victim, (UnixFileMode)0x180);
        File.CreateSymbolicLink(Path.Combine(rig.Root, "start.sh"), victim);
        using var portal = rig.Portal();

        var response = await portal.PostAsJsonAsync($"{rig.Prefix}/files/chmod", new { path = "start.sh", mode = "777" });

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "unsafe_path", "'start.sh' is a symbolic link; chmod never follows links");
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(victim));
    }

    [Fact]
    public async Task TreeOperations_MkdirRenameCopyChmodDelete_ChangeTheDiskAndAnExistingTargetIs409()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-tree");
        File.WriteAllText(Path.Combine(rig.Root, "a.txt"), "alpha");
        File.WriteAllText(Path.Combine(rig.Root, "taken.txt"), "taken");
        using var portal = rig.Portal();

        Assert.Equal(HttpStatusCode.NoContent, (await portal.PostAsJsonAsync($"{rig.Prefix}/files/mkdir", new { path = "config" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await portal.PostAsJsonAsync($"{rig.Prefix}/files/rename", new { from = "a.txt", to = "config/a.txt" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await portal.PostAsJsonAsync($"{rig.Prefix}/files/copy", new { from = "config", to = "backup" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await portal.PostAsJsonAsync($"{rig.Prefix}/files/chmod", new { path = "backup/a.txt", mode = "0600" })).StatusCode);
        var clash = await portal.PostAsJsonAsync($"{rig.Prefix}/files/rename", new { from = "backup/a.txt", to = "taken.txt" });
        Assert.Equal(HttpStatusCode.NoContent, (await portal.PostAsJsonAsync($"{rig.Prefix}/files/delete", new { path = "config" })).StatusCode);

        await AssertProblemAsync(clash, HttpStatusCode.Conflict, "exists", "'taken.txt' already exists");
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(rig.Root, "backup", "a.txt")));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(Path.Combine(rig.Root, "backup", "a.txt")));
        Assert.Equal("taken", File.ReadAllText(Path.Combine(rig.Root, "taken.txt")));
        Assert.False(Directory.Exists(Path.Combine(rig.Root, "config")));
    }

    [Fact]
    public async Task CompressThenExtract_TarGzOfAFileAndADirectory_RoundTripsTheirContent()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-archive");
        File.WriteAllText(Path.Combine(rig.Root, "a.txt"), "alpha");
        Directory.CreateDirectory(Path.Combine(rig.Root, "d"));
        File.WriteAllText(Path.Combine(rig.Root, "d", "b.txt"), "beta");
        using var portal = rig.Portal();

        var compressed = await portal.PostAsJsonAsync($"{rig.Prefix}/files/compress", new { paths = new[] { "a.txt", "d" }, destination = "backup.tar.gz", format = "tar.gz" });
        await portal.PostAsJsonAsync($"{rig.Prefix}/files/mkdir", new { path = "restore" });
        var extracted = await portal.PostAsJsonAsync($"{rig.Prefix}/files/extract", new { archive = "backup.tar.gz", destination = "restore" });
        var badFormat = await portal.PostAsJsonAsync($"{rig.Prefix}/files/compress", new { paths = new[] { "a.txt" }, destination = "x.rar", format = "rar" });

        Assert.Equal(HttpStatusCode.OK, compressed.StatusCode);
        Assert.Equal(new FileInfo(Path.Combine(rig.Root, "backup.tar.gz")).Length, (await compressed.Content.ReadFromJsonAsync<FileWritten>(Json.Options))!.Size);
        Assert.Equal(new FileWritten("restore", 9), await extracted.Content.ReadFromJsonAsync<FileWritten>(Json.Options));
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(rig.Root, "restore", "a.txt")));
        Assert.Equal("beta", File.ReadAllText(Path.Combine(rig.Root, "restore", "d", "b.txt")));
        await AssertProblemAsync(badFormat, HttpStatusCode.BadRequest, null, "format must be tar.gz or zip.");
        Assert.False(File.Exists(Path.Combine(rig.Root, "x.rar")));
    }

    [Fact]
    public async Task AnotherUsersContainer_ListWriteDelete_404AndNothingChanged()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-victim");
        File.WriteAllText(Path.Combine(rig.Root, "a.txt"), "mine");
        using var intruder = rig.Portal("files-intruder");

        var list = await intruder.GetAsync($"{rig.Prefix}/files?path=/");
        var write = await intruder.PutAsync($"{rig.Prefix}/files/content?path=a.txt", new StringContent("yours"));
        var delete = await intruder.PostAsJsonAsync($"{rig.Prefix}/files/delete", new { path = "a.txt" });
        var upload = await intruder.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "b.bin", size = 1, sha256 = new string('0', 64) });

        foreach (var response in new[] { list, write, delete, upload })
        {
            await AssertProblemAsync(response, HttpStatusCode.NotFound, null, "No such container.");
        }

        Assert.Equal("mine", File.ReadAllText(Path.Combine(rig.Root, "a.txt")));
        Assert.Equal(["a.txt"], Directory.GetFileSystemEntries(rig.Root).Select(Path.GetFileName));
        Assert.Equal(0, rig.Relay.OpenWrites);
    }

    [Fact]
    public async Task Operator_ListsAnotherUsersContainer()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-operated");
        File.WriteAllText(Path.Combine(rig.Root, "a.txt"), "mine");
        using var operatorPortal = rig.Portal("files-ops", isOperator: true);

        var listing = await operatorPortal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/files");

        Assert.Equal(["a.txt"], listing.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Files_AgentNotConnected_503WithRetryAfter()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-offline", connect: false);
        using var portal = rig.Portal();

        var response = await portal.GetAsync($"{rig.Prefix}/files?path=/");

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, null, "The container's agent is not connected; its files cannot be reached now.");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task DevFiles_ListTheWorkspace_AndTheGameRouteDoesNotServeADevContainer()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-dev", dev: true);
        File.WriteAllText(Path.Combine(rig.Root, "index.js"), "console.log(1)");
        using var portal = rig.Portal();

        var listing = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/files?path=/");
        var wrongKind = await portal.GetAsync($"/api/servers/{rig.Id}/files?path=/");

        Assert.Equal(["index.js"], listing.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        await AssertProblemAsync(wrongKind, HttpStatusCode.NotFound, null, "No such container.");
    }

    [Fact]
    public async Task Upload_DroppedMidChunkThenResumed_ResendsOnlyTheMissingChunksAndCompletesWithTheSha256()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-upload");
        var content = RandomNumberGenerator.GetBytes((20 * MiB) + 3);
        using var portal = rig.Portal();
        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "world.zip", size = content.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) });
        var started = await begun.Content.ReadFromJsonAsync<JsonElement>();
        var uploadId = started.GetProperty("uploadId").GetString()!;
        var chunkSize = started.GetProperty("chunkSize").GetInt32();

        Assert.Equal(HttpStatusCode.Created, begun.StatusCode);
        Assert.Equal((8 * MiB, 3), (chunkSize, started.GetProperty("chunkCount").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(portal, rig, uploadId, 0, Chunk(content, 0, chunkSize))).StatusCode);

        // A real client whose body stream fails half way: HttpClient drops the connection mid-chunk.
        var ended = rig.NextWriteEnded();
        using (var dropping = new HttpRequestMessage(HttpMethod.Put, $"{rig.Prefix}/uploads/{uploadId}/chunks/1"))
        {
            dropping.Content = new StreamContent(new FailingStream(Chunk(content, 1, chunkSize), failAfter: 3 * MiB));
            dropping.Content.Headers.ContentLength = chunkSize;
            dropping.Content.Headers.Add(ContentDigest.HeaderName, Digest(Chunk(content, 1, chunkSize)));
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => portal.SendAsync(dropping));
        }

        await ended.WaitAsync(TimeSpan.FromSeconds(30));
        var state = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/uploads/{uploadId}");
        var received = state.GetProperty("receivedChunks").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var resent = Enumerable.Range(0, 3).Except(received).ToList();
        foreach (var index in resent)
        {
            Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(portal, rig, uploadId, index, Chunk(content, index, chunkSize))).StatusCode);
        }

        var again = await PutChunkAsync(portal, rig, uploadId, 2, Chunk(content, 2, chunkSize));
        var completed = await portal.PostAsync($"{rig.Prefix}/uploads/{uploadId}/complete", null);

        Assert.Equal([0], received);
        Assert.Equal([1, 2], resent);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(new FileWritten("world.zip", content.Length), await completed.Content.ReadFromJsonAsync<FileWritten>(Json.Options));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(File.ReadAllBytes(Path.Combine(rig.Root, "world.zip"))));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(rig.Root, ".zlh-uploads")));
        var listing = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/files?path=/");
        Assert.Equal(["world.zip"], listing.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task UploadChunk_MissingOrWrongContentDigest_400AndTheChunkNotCounted()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-digest");
        var content = RandomNumberGenerator.GetBytes(1000);
        using var portal = rig.Portal();
        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "a.bin", size = content.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) });
        var uploadId = (await begun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;

        var missing = await portal.PutAsync($"{rig.Prefix}/uploads/{uploadId}/chunks/0", new ByteArrayContent(content));
        using var malformedContent = new ByteArrayContent(content);
        malformedContent.Headers.Add(ContentDigest.HeaderName, "sha-256=" + Convert.ToBase64String(SHA256.HashData(content)));
        var malformed = await portal.PutAsync($"{rig.Prefix}/uploads/{uploadId}/chunks/0", malformedContent);
        var wrong = await PutChunkAsync(portal, rig, uploadId, 0, content, Digest(new byte[1]));
        var state = await portal.GetFromJsonAsync<JsonElement>($"{rig.Prefix}/uploads/{uploadId}");

        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, null, ContentDigest.Missing);
        await AssertProblemAsync(malformed, HttpStatusCode.BadRequest, null, ContentDigest.Malformed);
        await AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "digest_mismatch", "chunk 0 does not match its sha-256 digest");
        Assert.Empty(state.GetProperty("receivedChunks").EnumerateArray());
        Assert.Equal(0, rig.Relay.OpenWrites);
    }

    [Fact]
    public async Task BeginUpload_LargerThanTheQuota_Refused507BeforeTheFirstByte()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-quota", quotaBytes: MiB);
        using var portal = rig.Portal();

        var response = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "big.bin", size = 2 * MiB, sha256 = new string('0', 64) });

        await AssertProblemAsync(response, HttpStatusCode.InsufficientStorage, "quota_exceeded", $"the disk quota of {MiB} bytes would be exceeded (0 used, {2 * MiB} more needed)");
        Assert.Equal([".zlh-uploads"], Directory.GetFileSystemEntries(rig.Root).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(rig.Root, ".zlh-uploads")));
    }

    private static byte[] Chunk(byte[] content, int index, int chunkSize) =>
        content[(index * chunkSize)..Math.Min(content.Length, (index + 1) * chunkSize)];

    private static string Digest(byte[] data) => "sha-256=:" + Convert.ToBase64String(SHA256.HashData(data)) + ":";

    private static async Task<HttpResponseMessage> PutChunkAsync(HttpClient portal, FilesRig rig, string uploadId, int index, byte[] data, string? digest = null)
    {
        var content = new ByteArrayContent(data);
        content.Headers.Add(ContentDigest.HeaderName, digest ?? Digest(data));
        return await portal.PutAsync($"{rig.Prefix}/uploads/{uploadId}/chunks/{index}", content);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code, string? detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        if (detail is not null)
        {
            Assert.Equal(detail, problem.GetProperty("detail").GetString());
        }

        Assert.Equal(code, problem.TryGetProperty("code", out var value) ? value.GetString() : null);
        return problem;
    }

    /// <summary>Gives the first <c>failAfter</c> bytes, then fails as a client losing its network would.</summary>
    private sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= failAfter)
            {
                throw new IOException("network lost");
            }

            var count = Math.Min(buffer.Length, failAfter - _position);
            data.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
