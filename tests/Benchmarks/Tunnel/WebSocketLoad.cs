using System.Diagnostics;
using System.Net.WebSockets;
using ZlhGrind.Benchmarks.Measuring;

namespace ZlhGrind.Benchmarks.Tunnel;

/// <summary>WebSocket echo load and idle sockets, the same for every variant.</summary>
internal static class WebSocketLoad
{
    private static readonly byte[] Message = new byte[64];

    public static async Task<ClientWebSocket> ConnectAsync(Uri url, string? cookie, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();

        // No keep-alive pings: an idle socket stays idle, and every variant gets the same traffic.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (cookie is not null)
        {
            socket.Options.SetRequestHeader("Cookie", cookie);
        }

        try
        {
            await socket.ConnectAsync(url, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Each socket sends a 64-byte message and waits for its echo, over and over; returns messages per second and round-trip times.</summary>
    public static async Task<(double Rate, LatencyRecorder RoundTrips)> EchoAsync(IReadOnlyList<ClientWebSocket> sockets, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(sockets.Select(async socket =>
        {
            var buffer = new byte[256];
            while (Stopwatch.GetTimestamp() < end)
            {
                var sentAt = Stopwatch.GetTimestamp();
                await socket.SendAsync(Message, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                var received = 0;
                while (received < Message.Length)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(received), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        throw new InvalidOperationException("the echo socket was closed by the other side");
                    }

                    received += result.Count;
                }

                recorder.Record(sentAt);
            }
        }));
        return (recorder.Count / Stopwatch.GetElapsedTime(start).TotalSeconds, recorder);
    }
}
