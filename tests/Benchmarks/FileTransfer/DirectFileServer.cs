using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ZlhGrind.Benchmarks.FileTransfer;

/// <summary>
/// The baseline of the files scenario: the simplest loopback HTTP upload and download to the same disk — a Kestrel
/// endpoint that copies a PUT body into a file of one directory and serves it back, with no checks at all.
/// </summary>
internal sealed class DirectFileServer : IAsyncDisposable
{
    private const int CopyBufferBytes = 1024 * 1024;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private DirectFileServer(WebApplication app, int port)
    {
        _app = app;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public static async Task<DirectFileServer> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.MapPut("/{name}", async (HttpContext http, string name) =>
        {
            await using var file = new FileStream(Path.Combine(directory, Path.GetFileName(name)), FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            await http.Request.Body.CopyToAsync(file, CopyBufferBytes, http.RequestAborted);
            return Results.NoContent();
        });
        app.MapGet("/{name}", (string name) => Results.File(Path.Combine(directory, Path.GetFileName(name)), "application/octet-stream"));
        await app.StartAsync(cancellationToken);
        return new DirectFileServer(app, port);
    }

    public async Task UploadAsync(string name, GeneratedContent content, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(content.Open(0, content.Length), CopyBufferBytes);
        using var response = await _http.PutAsync(new Uri(name, UriKind.Relative), body, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<long> DownloadAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(name, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await UploadClient.DrainAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
