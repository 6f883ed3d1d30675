using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>How the test artifact server serves one artifact.</summary>
internal enum ArtifactBehavior
{
    Normal,

    /// <summary>Serves the bytes plus extra ones, without a Content-Length, so only counting can catch it.</summary>
    Oversize,

    /// <summary>Declares the full length, sends half, then drops the connection.</summary>
    CloseMidBody,

    /// <summary>Sends half, then waits for <see cref="ArtifactServer.ResumePaused"/> before sending the rest.</summary>
    PauseMidBody,
}

/// <summary>A real HTTP artifact store on 127.0.0.1 (Kestrel, port 0) that can also misbehave.</summary>
internal sealed class ArtifactServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (byte[] Content, ArtifactBehavior Behavior)> _artifacts = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ArtifactServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ArtifactServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ArtifactServer(app);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.First() + "/");
        return server;
    }

    /// <summary>Publishes content at /artifacts/<paramref name="name"/> and returns its URL.</summary>
    public Uri Publish(string name, byte[] content, ArtifactBehavior behavior = ArtifactBehavior.Normal)
    {
        _artifacts["/artifacts/" + name] = (content, behavior);
        return new Uri(BaseAddress, "artifacts/" + name);
    }

    /// <summary>A catalog entry for <paramref name="content"/> published under a unique name, with its real hash and size.</summary>
    public RuntimeEntry PublishRuntime(
        string runtime,
        string version,
        byte[] content,
        ArtifactBehavior behavior = ArtifactBehavior.Normal,
        string? sha256 = null,
        string binPath = "bin")
    {
        var url = Publish($"{runtime}-{version}-{Guid.NewGuid():N}.tar.gz", content, behavior);
        return new RuntimeEntry(
            runtime,
            version,
            url.ToString(),
            sha256 ?? Convert.ToHexStringLower(SHA256.HashData(content)),
            content.Length,
            binPath,
            ["bin/tool", "--version"]);
    }

    public int RequestsFor(Uri url) => _requests.TryGetValue(url.AbsolutePath, out var count) ? count : 0;

    public int TotalRequests => _requests.Values.Sum();

    /// <summary>Lets every download paused half-way finish.</summary>
    public void ResumePaused() => _resume.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        _requests.AddOrUpdate(path, 1, (_, count) => count + 1);
        if (!_artifacts.TryGetValue(path, out var artifact))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var (content, behavior) = artifact;
        context.Response.ContentType = "application/gzip";
        switch (behavior)
        {
            case ArtifactBehavior.Normal:
                context.Response.ContentLength = content.Length;
                await context.Response.Body.WriteAsync(content);
                break;
            case ArtifactBehavior.Oversize:
                await context.Response.Body.WriteAsync(content);
                await context.Response.Body.WriteAsync(new byte[64 * 1024]);
                break;
            case ArtifactBehavior.CloseMidBody:
                context.Response.ContentLength = content.Length;
                await context.Response.Body.WriteAsync(content.AsMemory(0, content.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                break;
            case ArtifactBehavior.PauseMidBody:
                context.Response.ContentLength = content.Length;
                await context.Response.Body.WriteAsync(content.AsMemory(0, content.Length / 2));
                await context.Response.Body.FlushAsync();
                await _resume.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await context.Response.Body.WriteAsync(content.AsMemory(content.Length / 2));
                break;
        }
    }
}
