using System.Net;
using ZlhGrind.Gateway.Tests.TestSupport;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Tests.Files;

/// <summary>
/// The pieces of a write are authorized by its begin (the owner look-ups are not repeated per piece, README: "Files"):
/// only the actor who began it may feed it without the full check, and the finish, which alone commits, is checked in
/// full again — a container deleted mid-write commits nothing and leaves nothing on the agent.
/// </summary>
[Collection(GatewayCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesWriteAuthorizationTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AppendAsync_PieceOfTheOwnersWriteFromAnotherUser_NotFoundAndNotTaken()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-auth-owner");
        var grain = fixture.Client.GetGrain<IFilesGrain>(rig.Id);
        var owner = new Actor(rig.Owner, false);
        var writeId = await grain.BeginWriteAsync(owner, "owned.txt");

        var refused = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.AppendAsync(new Actor("files-auth-mallory", false), writeId, 0, "evil"u8.ToArray()));
        await grain.AppendAsync(owner, writeId, 0, "good"u8.ToArray());
        var written = await grain.FinishAsync(owner, writeId);

        Assert.Equal($"Container {rig.Id} was not found.", refused.Message);
        Assert.Equal(4, written);
        Assert.Equal("good", await File.ReadAllTextAsync(Path.Combine(rig.Root, "owned.txt")));
        Assert.Equal(0, rig.Relay.OpenWrites);
    }

    [Fact]
    public async Task FinishAsync_ContainerDeletedAfterItsPieces_NotFoundNothingCommittedAndTheWriteAborted()
    {
        await using var rig = await FilesRig.StartAsync(fixture, "files-auth-deleted");
        var grain = fixture.Client.GetGrain<IFilesGrain>(rig.Id);
        var owner = new Actor(rig.Owner, false);
        var writeId = await grain.BeginWriteAsync(owner, "late.txt");
        await grain.AppendAsync(owner, writeId, 0, "bytes"u8.ToArray());
        using var portal = rig.Portal();
        Assert.Equal(HttpStatusCode.OK, (await portal.DeleteAsync(rig.Prefix + "?keepData=true")).StatusCode);
        var ended = rig.NextWriteEnded();

        var refused = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.FinishAsync(owner, writeId));

        Assert.Equal($"Container {rig.Id} was not found.", refused.Message);
        Assert.Equal(writeId, await ended.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, rig.Relay.OpenWrites);
        Assert.Empty(Directory.EnumerateFileSystemEntries(rig.Root));
        var again = await Assert.ThrowsAsync<ContainerNotFoundException>(() => grain.AppendAsync(owner, writeId, 5, "more"u8.ToArray()));
        Assert.Equal($"Container {rig.Id} was not found.", again.Message);
    }
}
