namespace ZlhGrind.Gateway.IdeTunnel;

/// <summary>
/// Reads the WebSocket frame headers (RFC 6455 §5.2) in the bytes a browser sends to the IDE and counts the frames
/// that are activity: text, binary and continuation frames whose payload is larger than a keepalive. Control frames
/// (close, ping, pong) never are. Payloads are skipped unread; the scanner keeps only a partial header between reads,
/// so frames split over any number of reads are counted once. Compressed frames are not expected: the tunnel removes
/// the extension offer from the upgrade, so payload sizes are the IDE's own.
/// </summary>
internal sealed class ClientFrameScanner(int keepaliveMaxBytes)
{
    private const int MaxHeaderBytes = 14;
    private const byte OpcodeMask = 0x0F;
    private const byte ControlBit = 0x08;

    private readonly byte[] _header = new byte[MaxHeaderBytes];
    private int _headerBytes;
    private ulong _payloadLeft;

    /// <summary>Consumes <paramref name="data"/> (the next bytes of the client's stream) and returns how many activity frames began in it.</summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var frames = 0;
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, (ulong)data.Length);
                _payloadLeft -= (ulong)skip;
                data = data[skip..];
                continue;
            }

            _header[_headerBytes++] = data[0];
            data = data[1..];
            if (_headerBytes < HeaderLength())
            {
                continue;
            }

            var opcode = _header[0] & OpcodeMask;
            _payloadLeft = PayloadLength();
            _headerBytes = 0;
            if ((opcode & ControlBit) == 0 && _payloadLeft > (ulong)keepaliveMaxBytes)
            {
                frames++;
            }
        }

        return frames;
    }

    /// <summary>The length of the header being read, as far as its first bytes tell (2 until the length byte is in).</summary>
    private int HeaderLength()
    {
        if (_headerBytes < 2)
        {
            return 2;
        }

        var length7 = _header[1] & 0x7F;
        var extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        var mask = (_header[1] & 0x80) != 0 ? 4 : 0;
        return 2 + extended + mask;
    }

    private ulong PayloadLength()
    {
        var length7 = _header[1] & 0x7F;
        return length7 switch
        {
            126 => (ulong)(_header[2] << 8 | _header[3]),
            127 => System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2, 8)) & long.MaxValue,
            _ => (ulong)length7,
        };
    }
}
