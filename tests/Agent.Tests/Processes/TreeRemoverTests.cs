using ZlhGrind.Agent.Processes;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Processes;

/// <summary>The deletion's removal of a container's data: links a tenant planted are removed as links, never followed.</summary>
public sealed class TreeRemoverTests
{
    [Fact]
    public void RemoveTree_NestedFilesAndDirectories_RemovesEverythingAndTheRootItself()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("data");
        Directory.CreateDirectory(Path.Combine(root, "world", "region"));
        File.WriteAllText(Path.Combine(root, "server.properties"), "motd=hi");
        File.WriteAllText(Path.Combine(root, "world", "region", "r.0.0.mca"), "chunk");

        TreeRemover.RemoveTree(root);

        Assert.False(Directory.Exists(root));
        Assert.True(Directory.Exists(temp.Path));
    }

    [Fact]
    public void RemoveTree_PlantedLinksToOutsideFilesAndDirectories_RemovesTheLinksAndLeavesTheTargets()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("data");
        var outside = temp.Combine("outside");
        Directory.CreateDirectory(Path.Combine(outside, "precious"));
        File.WriteAllText(Path.Combine(outside, "precious", "keep.txt"), "keep");
        File.WriteAllText(Path.Combine(outside, "keep-too.txt"), "keep");
        Directory.CreateDirectory(Path.Combine(root, "mods"));
        File.CreateSymbolicLink(Path.Combine(root, "mods", "escape-dir"), Path.Combine(outside, "precious"));
        File.CreateSymbolicLink(Path.Combine(root, "escape-file"), Path.Combine(outside, "keep-too.txt"));

        TreeRemover.RemoveTree(root);

        Assert.False(Directory.Exists(root));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "precious", "keep.txt")));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep-too.txt")));
    }

    [Fact]
    public void RemoveTree_NothingThere_DoesNothing()
    {
        using var temp = new TempDirectory();

        TreeRemover.RemoveTree(temp.Combine("never", "made"));
        TreeRemover.RemoveTree(temp.Combine("absent"));

        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void RemoveTree_NestingDeeperThanTheDescriptorLimit_RemovesEverything()
    {
        // A tenant's attack on deletion: directories nested deeper than the agent may hold descriptors (ulimit -n here
        // is 20000) or recurse on a thread's stack, so a removal that walks down holding each level would fail or crash.
        const int Depth = 30_000;
        using var temp = new TempDirectory();
        var root = temp.Combine("data");
        Directory.CreateDirectory(root);
        var current = Libc.OpenDirectory(root);
        for (var i = 0; i < Depth; i++)
        {
            Assert.True(Libc.TryMakeDirectory(current, "d", 0x1C0));
            var next = Libc.OpenDirectoryNoFollow(current, "d");
            Libc.Close(current);
            current = next;
        }

        var bottom = Libc.CreateExclusive(current, "deepest.txt", 0x180);
        Libc.Close(bottom);
        Libc.Close(current);

        TreeRemover.RemoveTree(root);

        Assert.False(Directory.Exists(root));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }
}
