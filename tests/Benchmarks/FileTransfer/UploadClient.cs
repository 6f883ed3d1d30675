using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ZlhGrind.Benchmarks.FileTransfer;

/// <summary>
/// A client of the gateway's file API as a script or the portal uses it: the resumable upload (POST uploads, PUT
/// chunks with Content-Digest, GET state, complete) and the streamed download. One chunk is held at a time.
/// </summary>
internal sealed class UploadClient(HttpClient http, string prefix)
{
    /// <summary>The chunk size the gateway hands out (README: "Files").</summary>
    public const int ChunkBytes = 8 * 1024 * 1024;

    private const int ReadBufferBytes = 1024 * 1024;

    /// <summary>Until the agent's files answer a listing through the gateway (the agent registers, the directory exists).</summary>
    public Task WaitForFilesAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Wait.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri($"{prefix}/files?path=/", UriKind.Relative), cancellationToken);
                return response.StatusCode == HttpStatusCode.OK ? string.Empty : null;
            },
            timeout,
            "the agent's files through the gateway");

    public async Task UploadAsync(string path, GeneratedContent content, CancellationToken cancellationToken)
    {
        var upload = await BeginAsync(path, content, cancellationToken);
        for (var index = 0; index < upload.ChunkCount; index++)
        {
            await PutChunkAsync(upload, content, index, cancellationToken);
        }

        await CompleteAsync(upload, cancellationToken);
    }

    public async Task<Upload> BeginAsync(string path, GeneratedContent content, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"{prefix}/uploads", UriKind.Relative), new { path, size = content.Length, sha256 = Convert.ToHexStringLower(content.Sha256()) }, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        var started = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (started.GetProperty("chunkSize").GetInt64() != ChunkBytes)
        {
            throw new InvalidOperationException($"the gateway hands out chunks of {started.GetProperty("chunkSize").GetInt64()} bytes, not {ChunkBytes}");
        }

        return new Upload(started.GetProperty("uploadId").GetString()!, started.GetProperty("chunkCount").GetInt32(), content.Length);
    }

    /// <summary>Sends chunk <paramref name="index"/> whole; returns its length.</summary>
    public async Task<long> PutChunkAsync(Upload upload, GeneratedContent content, int index, CancellationToken cancellationToken)
    {
        var (buffer, count) = Chunk(upload, content, index);
        using var body = new ByteArrayContent(buffer, 0, count);
        body.Headers.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, count)))}:");
        using var response = await http.PutAsync(new Uri($"{prefix}/uploads/{upload.Id}/chunks/{index}", UriKind.Relative), body, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return count;
    }

    /// <summary>Sends the first <paramref name="dropAfter"/> bytes of chunk <paramref name="index"/>, then resets the connection; returns the bytes sent.</summary>
    public async Task<long> PutChunkDroppedAsync(Upload upload, GeneratedContent content, int index, int dropAfter, CancellationToken cancellationToken)
    {
        var (buffer, count) = Chunk(upload, content, index);
        using var body = new DroppingContent(buffer, count, dropAfter);
        body.Headers.Add("Content-Digest", $"sha-256=:{Convert.ToBase64String(SHA256.HashData(buffer.AsSpan(0, count)))}:");
        try
        {
            using var response = await http.PutAsync(new Uri($"{prefix}/uploads/{upload.Id}/chunks/{index}", UriKind.Relative), body, cancellationToken);
            throw new InvalidOperationException($"the dropped chunk was answered {(int)response.StatusCode}");
        }
        catch (HttpRequestException)
        {
            return dropAfter;
        }
    }

    public async Task<IReadOnlyList<int>> ReceivedAsync(Upload upload, CancellationToken cancellationToken)
    {
        var state = await http.GetFromJsonAsync<JsonElement>(new Uri($"{prefix}/uploads/{upload.Id}", UriKind.Relative), cancellationToken);
        return state.GetProperty("receivedChunks").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    public async Task CompleteAsync(Upload upload, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri($"{prefix}/uploads/{upload.Id}/complete", UriKind.Relative), null, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    public async Task<long> DownloadAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"{prefix}/files/content?path={Uri.EscapeDataString(path)}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await DrainAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Reads a body to its end; returns its length.</summary>
    public static async Task<long> DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        await using var _ = stream;
        var buffer = new byte[ReadBufferBytes];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static (byte[] Buffer, int Count) Chunk(Upload upload, GeneratedContent content, int index)
    {
        var offset = (long)index * ChunkBytes;
        var count = (int)Math.Min(ChunkBytes, upload.Size - offset);
        var buffer = new byte[count];
        content.Fill(offset, buffer);
        return (buffer, count);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    internal sealed record Upload(string Id, int ChunkCount, long Size);

    /// <summary>A body that writes part of itself and then fails, so the client resets the connection mid-chunk.</summary>
    private sealed class DroppingContent(byte[] buffer, int count, int dropAfter) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(buffer.AsMemory(0, dropAfter));
            await stream.FlushAsync();
            throw new IOException("the benchmark drops the connection mid-chunk");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = count;
            return true;
        }
    }
}
