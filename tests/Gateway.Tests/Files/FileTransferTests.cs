using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ZlhGrind.Agent.Files;
using ZlhGrind.Gateway.Files;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Files;
using ZlhGrind.Testing;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>
/// The agent-dialled transfer path: a gateway of its own with <c>Files:AgentTransferUrl</c> set to its loopback address
/// (and a fake clock for ticket expiry), the real agent file relay over a real directory dialling its socket, and the
/// attacks on the socket (a random, replayed, expired ticket, one for another container or path) refused 403 with
/// nothing written.
/// </summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FileTransferTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private WebApplication _gateway = null!;
    private Uri _address = null!;

    private FileTransfers Transfers => _gateway.Services.GetRequiredService<FileTransfers>();

    public async Task InitializeAsync()
    {
        _address = new Uri("http://127.0.0.1:" + FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        _gateway = await GatewayFixture.StartGatewayAsync(fixture.Client, _clock, extra: new Dictionary<string, string?>
        {
            ["urls"] = _address.GetLeftPart(UriPartial.Authority),
            ["Files:AgentTransferUrl"] = _address.GetLeftPart(UriPartial.Authority),
            ["Files:TransferDialTimeout"] = DialTimeout.ToString(),
        });
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Write_MultiMiBThroughTheDialledSocket_ByteIdenticalAndNoChunkedCall()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-write");
        var content = RandomNumberGenerator.GetBytes((5 * MiB) + 3);
        using var portal = Portal(rig);

        var response = await portal.PutAsync($"{rig.Prefix}/files/content?path=world.bin", new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var written = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("world.bin", written.GetProperty("path").GetString());
        Assert.Equal(content.Length, written.GetProperty("size").GetInt64());
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(rig.Root, "world.bin")));
        Assert.Equal(["world.bin"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName));
        Assert.Equal(0, Calls(rig, nameof(IFilesGrain.AppendAsync)) + Calls(rig, nameof(IFilesGrain.BeginWriteAsync)));
        Assert.Equal(1, Calls(rig, nameof(IFilesGrain.OpenTransferAsync)));
        Assert.Equal(0, Transfers.Pending);
    }

    [Fact]
    public async Task Download_WholeAndRange_ExactBytesThroughTheDialledSocket()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-read");
        var content = RandomNumberGenerator.GetBytes((3 * MiB) + 5);
        File.WriteAllBytes(Path.Combine(rig.Root, "world.bin"), content);
        using var portal = Portal(rig);

        using var whole = await portal.GetAsync($"{rig.Prefix}/files/content?path=world.bin");
        var wholeBytes = await whole.Content.ReadAsByteArrayAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{rig.Prefix}/files/content?path=world.bin");
        request.Headers.Range = new RangeHeaderValue(MiB - 6, MiB + 9);
        using var partial = await portal.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(wholeBytes));
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal($"bytes {MiB - 6}-{MiB + 9}/{content.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(content[(MiB - 6)..(MiB + 10)], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, Calls(rig, nameof(IFilesGrain.ReadAsync)));
        Assert.Equal(2, Calls(rig, nameof(IFilesGrain.OpenTransferAsync)));
    }

    [Fact]
    public async Task UploadChunks_ThroughTheDialledSocket_CompletedFileByteIdentical()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-upload");
        var content = RandomNumberGenerator.GetBytes((8 * MiB) + 1000);
        using var portal = Portal(rig);
        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "big.bin", size = content.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) });
        var upload = await begun.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var uploadId = upload.GetProperty("uploadId").GetString();

        foreach (var (index, chunk) in new[] { (0, content[..(8 * MiB)]), (1, content[(8 * MiB)..]) })
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, $"{rig.Prefix}/uploads/{uploadId}/chunks/{index}") { Content = new ByteArrayContent(chunk) };
            put.Headers.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(SHA256.HashData(chunk))}:");
            Assert.Equal(HttpStatusCode.OK, (await portal.SendAsync(put)).StatusCode);
        }

        var completed = await portal.PostAsync($"{rig.Prefix}/uploads/{uploadId}/complete", null);

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(rig.Root, "big.bin")));
        Assert.Equal(0, Calls(rig, nameof(IFilesGrain.BeginChunkAsync)) + Calls(rig, nameof(IFilesGrain.AppendAsync)));
        Assert.Equal(2, Calls(rig, nameof(IFilesGrain.OpenTransferAsync)));
    }

    [Fact]
    public async Task Write_OverTheQuota_Refused507WithTheExactErrorAndTheFirstKept()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-quota", diskMb: 1);
        using var portal = Portal(rig);

        var first = await portal.PutAsync($"{rig.Prefix}/files/content?path=a.bin", new ByteArrayContent(new byte[MiB - 10]));
        var second = await portal.PutAsync($"{rig.Prefix}/files/content?path=b.bin", new ByteArrayContent(new byte[11]));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ProblemAssert.ExactAsync(second, HttpStatusCode.InsufficientStorage, "quota_exceeded", $"the disk quota of {MiB} bytes would be exceeded ({MiB - 10} used, 11 more needed)");
        Assert.Equal(["a.bin"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName));
        Assert.Equal(2, Calls(rig, nameof(IFilesGrain.OpenTransferAsync)));
    }

    [Fact]
    public async Task Write_OntoADeniedPath_Refused403WithTheExactErrorAndNothingWritten()
    {
        await using var rig = await FilesPolicyTests.StartWithTemplateAsync(fixture, "transfer-denied", "transfer-denied-tpl");
        using var portal = Portal(rig);

        var write = await portal.PutAsync($"{rig.Prefix}/files/content?path=api.secret", new StringContent("x"));

        await ProblemAssert.ExactAsync(write, HttpStatusCode.Forbidden, "denied_by_template", "'api.secret' is denied by the server's template");
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
        Assert.Equal(1, Calls(rig, nameof(IFilesGrain.OpenTransferAsync)));
    }

    [Fact]
    public async Task Write_BrowserDropsMidBody_TemporaryFileRemovedAndNothingInPlace()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-drop");
        var ended = NextTransferEnded(rig.Relay);
        using var portal = Portal(rig);
        var body = new DroppingContent(2 * MiB, () => Directory.EnumerateFiles(rig.Root, PendingFile.TemporaryPrefix + "*").Any(f => new FileInfo(f).Length > 0));

        var failed = await Record.ExceptionAsync(() => portal.PutAsync($"{rig.Prefix}/files/content?path=half.bin", body));
        await ended.WaitAsync(Patience);

        Assert.NotNull(failed);
        Assert.True(body.SawPendingFile);
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
    }

    [Fact]
    public async Task Dial_RandomTicket_Refused403()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-random");

        var status = await DialAsync(rig.Id, FileTransfers.NewTicket(), FileTransferKind.Write, "a.txt");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
    }

    [Fact]
    public async Task Dial_ReplayedTicket_SecondDialRefused403AndTheFileAsFirstWritten()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-replay");
        var ticket = FileTransfers.NewTicket();
        var pending = Transfers.Open(ticket, rig.Id, FileTransferKind.Write, "a.txt");
        var order = Order(rig.Id, ticket, "a.txt");
        await rig.Relay.DialTransferAsync(order);
        var link = await pending.Dialled.WaitAsync(Patience);
        await using (link)
        {
            Assert.Equal(5, await link.WriteAsync(new MemoryStream("first"u8.ToArray()), MiB, CancellationToken.None));
        }

        var replayed = await DialAsync(rig.Id, ticket, FileTransferKind.Write, "a.txt");

        Assert.Equal(HttpStatusCode.Forbidden, replayed);
        Assert.Equal("first", File.ReadAllText(Path.Combine(rig.Root, "a.txt")));
        Assert.Equal(["a.txt"], Directory.EnumerateFileSystemEntries(rig.Root).Select(Path.GetFileName));
        Assert.Equal(0, Transfers.Pending);
    }

    [Fact]
    public async Task Dial_TicketOfContainerAPresentedForContainerB_Refused403BurnedAndNothingWritten()
    {
        await using var a = await FilesRig.StartAsync(fixture, "transfer-a");
        await using var b = await FilesRig.StartAsync(fixture, "transfer-b");
        var ticket = FileTransfers.NewTicket();
        var pending = Transfers.Open(ticket, a.Id, FileTransferKind.Write, "a.txt");

        // B's agent (the tenant's, rewritten) presents A's ticket on B's socket, then A's agent comes too late.
        var asB = await DialAsync(b.Id, ticket, FileTransferKind.Write, "a.txt");
        var asA = await DialAsync(a.Id, ticket, FileTransferKind.Write, "a.txt");

        Assert.Equal(HttpStatusCode.Forbidden, asB);
        Assert.Equal(HttpStatusCode.Forbidden, asA);
        var refused = await Assert.ThrowsAsync<FileRefusedException>(() => pending.Dialled);
        Assert.Equal("The container's agent dialled the transfer for another container, kind or path.", refused.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(a.Root));
        Assert.Empty(Directory.EnumerateFileSystemEntries(b.Root));
    }

    [Fact]
    public async Task Dial_TicketPresentedForAnotherPathByTheRealAgent_Refused403AndNothingWritten()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-path");
        var ticket = FileTransfers.NewTicket();
        var pending = Transfers.Open(ticket, rig.Id, FileTransferKind.Write, "a.txt");
        var ended = NextTransferEnded(rig.Relay);

        await rig.Relay.DialTransferAsync(Order(rig.Id, ticket, "other.txt"));
        await ended.WaitAsync(Patience);

        await Assert.ThrowsAsync<FileRefusedException>(() => pending.Dialled);
        Assert.Equal(HttpStatusCode.Forbidden, await DialAsync(rig.Id, ticket, FileTransferKind.Write, "a.txt"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
    }

    [Fact]
    public async Task Dial_ExpiredTicket_Refused403AndNothingWritten()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-expired");
        var ticket = FileTransfers.NewTicket();
        var pending = Transfers.Open(ticket, rig.Id, FileTransferKind.Write, "a.txt");
        _clock.Advance(DialTimeout);
        var ended = NextTransferEnded(rig.Relay);

        await rig.Relay.DialTransferAsync(Order(rig.Id, ticket, "a.txt"));
        await ended.WaitAsync(Patience);

        await Assert.ThrowsAsync<FileRefusedException>(() => pending.Dialled);
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
        Assert.Equal(0, Transfers.Pending);
    }

    [Fact]
    public async Task Dial_NotAWebSocket_Refused400AndTheTicketKept()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "transfer-plain");
        var ticket = FileTransfers.NewTicket();
        Transfers.Open(ticket, rig.Id, FileTransferKind.Write, "a.txt");
        using var http = new HttpClient { BaseAddress = _address };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/agent/files/transfers/{rig.Id}");
        request.Headers.Add(FileTransferProtocol.TicketHeader, ticket);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, Transfers.Pending);
    }

    private FileTransferOrder Order(long id, string ticket, string path) =>
        new($"ws://{_address.Authority}/agent/files/transfers/{id}", ticket, FileTransferKind.Write, path, 0, null, 0, null);

    private async Task<HttpStatusCode> DialAsync(long id, string ticket, FileTransferKind kind, string target)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader(FileTransferProtocol.TicketHeader, ticket);
        socket.Options.SetRequestHeader(FileTransferProtocol.KindHeader, kind.ToString());
        socket.Options.SetRequestHeader(FileTransferProtocol.TargetHeader, Uri.EscapeDataString(target));
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{_address.Authority}/agent/files/transfers/{id}"), CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // Refused before the upgrade: the status says why.
        }

        return socket.HttpStatusCode;
    }

    private HttpClient Portal(FilesRig rig)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _address, Timeout = Patience };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(rig.Owner));
        return client;
    }

    private int Calls(FilesRig rig, string method) => fixture.Calls.Count(fixture.Client.GetGrain<IFilesGrain>(rig.Id).GetGrainId(), method);

    private static Task<string> NextTransferEnded(FilesRelay relay)
    {
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string id)
        {
            relay.TransferEnded -= Handler;
            ended.TrySetResult(id);
        }

        relay.TransferEnded += Handler;
        return ended.Task;
    }

    /// <summary>A request body that sends some bytes, waits until the agent has begun writing them, then fails (a browser that went away).</summary>
    private sealed class DroppingContent(int bytes, Func<bool> agentWriting) : HttpContent
    {
        public bool SawPendingFile { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[bytes]);
            await stream.FlushAsync();
            await Wait.UntilAsync(agentWriting, Patience, "the agent writing the first bytes");
            SawPendingFile = true;
            throw new IOException("the browser went away");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
