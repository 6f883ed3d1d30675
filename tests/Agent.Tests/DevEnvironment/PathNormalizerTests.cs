using ZlhGrind.Agent.DevEnvironment;

namespace ZlhGrind.Agent.Tests.DevEnvironment;

public sealed class PathNormalizerTests
{
    private const string System = "/usr/local/bin:/usr/bin:/bin";

    [Fact]
    public void Normalize_NoRuntimes_IsTheSystemPath()
    {
        Assert.Equal(System, PathNormalizer.Normalize([], System));
    }

    [Fact]
    public void Normalize_RuntimeBins_ComeFirstInTheOrderGiven()
    {
        var path = PathNormalizer.Normalize(["/opt/zlh/runtimes/go/1.22/bin", "/opt/zlh/runtimes/node/20/bin"], System);

        Assert.Equal("/opt/zlh/runtimes/go/1.22/bin:/opt/zlh/runtimes/node/20/bin:/usr/local/bin:/usr/bin:/bin", path);
    }

    [Fact]
    public void Normalize_Duplicates_KeepTheFirstOccurrence()
    {
        var path = PathNormalizer.Normalize(["/usr/bin", "/opt/x/bin", "/opt/x/bin"], "/usr/local/bin:/usr/bin:/bin:/usr/local/bin");

        Assert.Equal("/usr/bin:/opt/x/bin:/usr/local/bin:/bin", path);
    }

    [Fact]
    public void Normalize_SpellingVariants_AreOneDirectory()
    {
        var path = PathNormalizer.Normalize(["/opt/x/bin/", "/opt//x/./bin"], "/usr/bin/:/usr/bin");

        Assert.Equal("/opt/x/bin:/usr/bin", path);
    }

    [Fact]
    public void Normalize_RelativeEmptyAndHostileEntries_AreDropped()
    {
        var path = PathNormalizer.Normalize([".", "bin", "", "/opt/../etc", "/opt/x\nbin", "/opt/it's"], "::/usr/bin: :./node_modules/.bin");

        Assert.Equal("/usr/bin", path);
    }

    [Fact]
    public void Normalize_SameInput_SameOutput()
    {
        string[] bins = ["/opt/b/bin", "/opt/a/bin"];

        Assert.Equal(PathNormalizer.Normalize(bins, System), PathNormalizer.Normalize([.. bins], System));
    }
}
