using System.Text;
using ZlhGrind.Agent.Terminal;

namespace ZlhGrind.Agent.Tests.Terminal;

public sealed class ScrollbackRingTests
{
    [Fact]
    public void Append_PastCapacity_KeepsTheLastBytesAtTheirOffsets()
    {
        var ring = new ScrollbackRing(8);
        ring.Append("abcdef"u8);
        ring.Append("ghij"u8);

        Assert.Equal((2L, 10L), (ring.Start, ring.End));
        Assert.Equal("cdefghij", Encoding.ASCII.GetString(ring.Copy(2)));
        Assert.Equal("hij", Encoding.ASCII.GetString(ring.Copy(7)));
        Assert.Empty(ring.Copy(10));
    }

    [Fact]
    public void Append_OneWriteLargerThanCapacity_KeepsItsTail()
    {
        var ring = new ScrollbackRing(4);
        ring.Append("x"u8);
        ring.Append("0123456789"u8);

        Assert.Equal((7L, 11L), (ring.Start, ring.End));
        Assert.Equal("6789", Encoding.ASCII.GetString(ring.Copy(7)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    public void Copy_OutsideHeldBytes_Refused(long from)
    {
        var ring = new ScrollbackRing(8);
        ring.Append("abcdefghij"u8);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ring.Copy(from));

        Assert.Equal(("from", (object)from), (error.ParamName, error.ActualValue));
    }
}
