using System.Buffers.Binary;
using ZlhGrind.Gateway.IdeTunnel;

namespace ZlhGrind.Gateway.Tests.IdeTunnel;

/// <summary>The WebSocket frame reader that tells activity from keepalives in what a browser sends (RFC 6455 §5.2 frames, masked as clients send them).</summary>
public sealed class ClientFrameScannerTests
{
    private const int Keepalive = 13;

    [Theory]
    [InlineData(0x1, 14, 1)]
    [InlineData(0x2, 14, 1)]
    [InlineData(0x0, 500, 1)]
    [InlineData(0x2, 13, 0)]
    [InlineData(0x1, 0, 0)]
    [InlineData(0x8, 2, 0)]
    [InlineData(0x9, 125, 0)]
    [InlineData(0xA, 125, 0)]
    public void Scan_OneFrame_CountsDataFramesLargerThanAKeepaliveOnly(int opcode, int payload, int expected)
    {
        var scanner = new ClientFrameScanner(Keepalive);

        Assert.Equal(expected, scanner.Scan(Frame(opcode, payload)));
    }

    [Theory]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(200_000)]
    public void Scan_ExtendedLengthsSplitByteByByte_EachFrameCountedOnceAndTheNextHeaderFound(int payload)
    {
        var scanner = new ClientFrameScanner(Keepalive);
        var bytes = Frame(0x2, payload).Concat(Frame(0x2, Keepalive)).Concat(Frame(0x1, 20)).ToArray();

        var counted = 0;
        foreach (var b in bytes)
        {
            counted += scanner.Scan([b]);
        }

        Assert.Equal(2, counted);
    }

    [Fact]
    public void Scan_ManyFramesInOneRead_CountsEach()
    {
        var scanner = new ClientFrameScanner(Keepalive);
        var bytes = Enumerable.Range(0, 10).SelectMany(i => Frame(i % 2 == 0 ? 0x2 : 0x9, 40)).ToArray();

        Assert.Equal(5, scanner.Scan(bytes));
        Assert.Equal(0, scanner.Scan([]));
    }

    [Fact]
    public void Scan_KeepalivesForAnHour_CountNothing()
    {
        var scanner = new ClientFrameScanner(Keepalive);

        // VS Code's KeepAlive and Ack messages: a 13-byte protocol header in a binary frame, every few seconds.
        var counted = Enumerable.Range(0, 720).Sum(_ => scanner.Scan(Frame(0x2, Keepalive)));

        Assert.Equal(0, counted);
    }

    [Fact]
    public void Scan_HostileLengthOfAllOnes_CountsOneFrameAndReadsWhatFollowsAsItsPayload()
    {
        var scanner = new ClientFrameScanner(Keepalive);
        byte[] header = [0x82, 0x80 | 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x11, 0x22, 0x33, 0x44];

        // A 64-bit length with its top bit set (RFC 6455 forbids it) neither wraps nor throws: it is one huge frame,
        // so the frame headers a browser sends after it are payload and count nothing.
        var first = scanner.Scan(header);
        var after = scanner.Scan(Enumerable.Range(0, 1000).SelectMany(_ => Frame(0x1, 500)).ToArray());

        Assert.Equal(1, first);
        Assert.Equal(0, after);
    }

    /// <summary>A masked client frame with FIN set, <paramref name="payload"/> bytes long.</summary>
    internal static byte[] Frame(int opcode, int payload)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        if (payload < 126)
        {
            header.Add((byte)(0x80 | payload));
        }
        else if (payload <= ushort.MaxValue)
        {
            header.Add(0x80 | 126);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)payload);
            header.AddRange(length);
        }
        else
        {
            header.Add(0x80 | 127);
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload);
            header.AddRange(length);
        }

        header.AddRange([0x11, 0x22, 0x33, 0x44]);
        return [.. header, .. new byte[payload]];
    }
}
