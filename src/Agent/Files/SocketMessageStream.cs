using System.Net.WebSockets;

namespace ZlhGrind.Agent.Files;

/// <summary>
/// One binary WebSocket message read as a stream: it ends where the message ends; a socket that fails or closes
/// before that fails the read, so a consumer never mistakes a cut-off body for a whole one. Disposing it leaves the
/// socket as it is (the report still goes out on it).
/// </summary>
internal sealed class SocketMessageStream(WebSocket socket) : ForwardReadStream
{
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!_ended && buffer.Length > 0)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType != WebSocketMessageType.Binary)
            {
                throw new IOException("the transfer's bytes ended before their message did");
            }

            _ended = received.EndOfMessage;
            if (received.Count > 0)
            {
                return received.Count;
            }
        }

        return 0;
    }
}
