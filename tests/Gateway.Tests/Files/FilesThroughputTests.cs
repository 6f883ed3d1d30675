using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using ZlhGrind.Gateway.Files;
using ZlhGrind.Gateway.Tests.TestSupport;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>
/// 64 MiB down and up through the real gateway, cluster and agent file code on loopback: the bytes arrive intact, and
/// the rates are written to the test output (README: "Files", where the transport's choice is argued). Not a timed
/// assertion: speed targets live in the benchmarks.
/// </summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesThroughputTests(GatewayFixture fixture, ITestOutputHelper output)
{
    private const int Size = 64 * 1024 * 1024;

    [Fact]
    public async Task DownloadAndUpload_64MiB_ArriveIntact()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-throughput");
        var content = RandomNumberGenerator.GetBytes(Size);
        await File.WriteAllBytesAsync(Path.Combine(rig.Root, "down.bin"), content);
        using var portal = rig.Portal();

        var clock = Stopwatch.StartNew();
        using var download = await portal.GetAsync($"{rig.Prefix}/files/content?path=down.bin", HttpCompletionOption.ResponseHeadersRead);
        var downloaded = SHA256.HashData(await download.Content.ReadAsStreamAsync());
        var downloadTime = clock.Elapsed;

        clock.Restart();
        var begun = await portal.PostAsJsonAsync($"{rig.Prefix}/uploads", new { path = "up.bin", size = Size, sha256 = Convert.ToHexStringLower(SHA256.HashData(content)) });
        var started = await begun.Content.ReadFromJsonAsync<JsonElement>();
        var uploadId = started.GetProperty("uploadId").GetString()!;
        var chunkSize = started.GetProperty("chunkSize").GetInt32();
        for (var index = 0; index * chunkSize < Size; index++)
        {
            var chunk = new ReadOnlyMemoryContent(content.AsMemory(index * chunkSize, Math.Min(chunkSize, Size - (index * chunkSize))));
            chunk.Headers.Add(ContentDigest.HeaderName, "sha-256=:" + Convert.ToBase64String(SHA256.HashData(content.AsSpan(index * chunkSize, Math.Min(chunkSize, Size - (index * chunkSize))))) + ":");
            Assert.Equal(HttpStatusCode.OK, (await portal.PutAsync($"{rig.Prefix}/uploads/{uploadId}/chunks/{index}", chunk)).StatusCode);
        }

        var completed = await portal.PostAsync($"{rig.Prefix}/uploads/{uploadId}/complete", null);
        var uploadTime = clock.Elapsed;

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(SHA256.HashData(content), downloaded);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(rig.Root, "up.bin"))));
        output.WriteLine($"64 MiB download {Size / 1048576.0 / downloadTime.TotalSeconds:0.0} MiB/s ({downloadTime.TotalMilliseconds:0} ms); upload in 8 MiB chunks {Size / 1048576.0 / uploadTime.TotalSeconds:0.0} MiB/s ({uploadTime.TotalMilliseconds:0} ms)");
    }
}
