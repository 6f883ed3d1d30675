using Microsoft.AspNetCore.Http.Features;

namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Lets the tunnel see what a browser sends on an IDE WebSocket. The forwarder takes the client's stream from the
/// upgrade feature (HTTP/1.1) or the extended CONNECT feature (HTTP/2); the tap puts wrappers of both in the request's
/// features, so the stream the forwarder copies from counts the client's frames as it reads them. What the IDE sends
/// back is written through untouched and never counts: server output is not use.
/// </summary>
internal static class IdeActivityTap
{
    /// <summary>
    /// Taps a WebSocket upgrade, or counts any other upgrade as one request. The handshake itself is not activity: an
    /// IDE left open reconnects its sockets on its own.
    /// </summary>
    public static void Attach(HttpContext http, long containerId, IdeActivityReporter reporter, int keepaliveMaxBytes)
    {
        var features = http.Features;
        if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            if (string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                StripExtensions(http);
                features.Set<IHttpExtendedConnectFeature>(new TappedConnect(connect, containerId, reporter, keepaliveMaxBytes));
                return;
            }
        }
        else if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade && IsWebSocket(http.Request))
        {
            StripExtensions(http);
            features.Set<IHttpUpgradeFeature>(new TappedUpgrade(upgrade, containerId, reporter, keepaliveMaxBytes));
            return;
        }

        reporter.Saw(containerId);
    }

    /// <summary>
    /// Without an extension offer the IDE cannot agree on permessage-deflate, so frame sizes are the IDE's own and a
    /// compressed keepalive is never mistaken for typing (WebSocket works without extensions by definition).
    /// </summary>
    private static void StripExtensions(HttpContext http) => http.Request.Headers.Remove("Sec-WebSocket-Extensions");

    private static bool IsWebSocket(HttpRequest request)
    {
        foreach (var value in request.Headers.Upgrade)
        {
            if (value is not null && value.Contains("websocket", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class TappedUpgrade(IHttpUpgradeFeature inner, long containerId, IdeActivityReporter reporter, int keepaliveMaxBytes) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() =>
            new ClientFrameCountingStream(await inner.UpgradeAsync(), new ClientFrameScanner(keepaliveMaxBytes), containerId, reporter);
    }

    private sealed class TappedConnect(IHttpExtendedConnectFeature inner, long containerId, IdeActivityReporter reporter, int keepaliveMaxBytes) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() =>
            new ClientFrameCountingStream(await inner.AcceptAsync(), new ClientFrameScanner(keepaliveMaxBytes), containerId, reporter);
    }
}

/// <summary>The client's side of an upgraded IDE connection: reads are scanned for activity frames, everything else passes through.</summary>
internal sealed class ClientFrameCountingStream(Stream inner, ClientFrameScanner scanner, long containerId, IdeActivityReporter reporter) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Seen(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Seen(buffer.AsSpan(offset, read));
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();

        // Disposing twice is harmless for the transport's stream; the base only runs Dispose(true).
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Seen(ReadOnlySpan<byte> bytes)
    {
        if (scanner.Scan(bytes) > 0)
        {
            reporter.Saw(containerId);
        }
    }
}
