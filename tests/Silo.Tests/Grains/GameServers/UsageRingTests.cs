using ZlhGrind.Grains.GameServers;
using ZlhGrind.Silo.Grains.GameServers;

namespace ZlhGrind.Silo.Tests.Grains.GameServers;

public sealed class UsageRingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_BeyondCapacity_DropsTheOldest()
    {
        var ring = new UsageRing(3);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(ring.Add(At(i)));
        }

        Assert.Equal([At(2), At(3), At(4)], ring.Since(DateTimeOffset.MinValue));
    }

    [Fact]
    public void Add_NotNewerThanTheLast_IsDroppedAndNothingChanges()
    {
        var ring = new UsageRing(3);
        ring.Add(At(5));

        Assert.False(ring.Add(At(5)));
        Assert.False(ring.Add(At(4)));
        Assert.Equal([At(5)], ring.Since(DateTimeOffset.MinValue));
    }

    [Fact]
    public void Since_OlderPoints_AreLeftOut()
    {
        var ring = new UsageRing(10);
        ring.Add(At(0));
        ring.Add(At(1));
        ring.Add(At(2));

        Assert.Equal([At(1), At(2)], ring.Since(Start.AddMinutes(1)));
    }

    private static UsagePoint At(int minute) => new(Start.AddMinutes(minute), minute, minute * 1024L, 0);
}
