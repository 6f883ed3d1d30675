using System.Text;
using ZlhGrind.Agent.Files;
using ZlhGrind.Agent.Tests.TestSupport;

namespace ZlhGrind.Agent.Tests.Files;

/// <summary>A root to confine and, next to it, an "outside" the host owns: a secret file, a file to delete, a directory; its snapshot proves nothing outside changed.</summary>
internal sealed class FilesHarness : IDisposable
{
    public const string OutsideSecret = "outside-secret";

    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _outsideBefore;

    public FilesHarness(bool forceWalk = false, FileRootPolicy? policy = null, FilesOptions? options = null)
    {
        RootPath = _temp.Combine("root");
        OutsidePath = _temp.Combine("outside");
        Directory.CreateDirectory(RootPath);
        Directory.CreateDirectory(Path.Combine(OutsidePath, "sub"));
        File.WriteAllText(Outside("secret.txt"), OutsideSecret);
        File.SetUnixFileMode(Outside("secret.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.WriteAllText(Outside("victim.txt"), "do not delete");
        File.WriteAllText(Outside("sub", "deep.txt"), "deep");
        _outsideBefore = Snapshot(OutsidePath);
        Options = options ?? new FilesOptions();
        ForceWalk = forceWalk;
        Root = ConfinedRoot.Open(RootPath, Options, policy ?? FileRootPolicy.Unrestricted, forceWalk);
    }

    public string RootPath { get; }

    public string OutsidePath { get; }

    public FilesOptions Options { get; }

    public bool ForceWalk { get; }

    public ConfinedRoot Root { get; private set; }

    public string Inside(params string[] parts) => Path.Combine([RootPath, .. parts]);

    public string Outside(params string[] parts) => Path.Combine([OutsidePath, .. parts]);

    /// <summary>Opens the root again (after the test planted files, so usage is measured with them).</summary>
    public ConfinedRoot Reopen(FileRootPolicy policy)
    {
        Root.Dispose();
        Root = ConfinedRoot.Open(RootPath, Options, policy, ForceWalk);
        return Root;
    }

    /// <summary>The code a link to outside is refused with: EXDEV (outside_root) from openat2, ELOOP (unsafe_path) from the O_NOFOLLOW walk.</summary>
    public string EscapeCode => ForceWalk ? "unsafe_path" : "outside_root";

    public void AssertOutsideUnchanged() => Assert.Equal(_outsideBefore, Snapshot(OutsidePath));

    public static Stream Text(string content) => new MemoryStream(Encoding.UTF8.GetBytes(content));

    /// <summary>Every entry under <paramref name="directory"/> with its type, mode and content (links by target, never followed).</summary>
    public static Dictionary<string, string> Snapshot(string directory)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(directory, directory, result);
        return result;
    }

    private static void Add(string top, string directory, Dictionary<string, string> result)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(top, path);
            if (info.LinkTarget is { } target)
            {
                result[relative] = "link:" + target;
            }
            else if (Directory.Exists(path))
            {
                result[relative] = $"dir:{info.UnixFileMode}";
                Add(top, path, result);
            }
            else
            {
                result[relative] = $"file:{info.UnixFileMode}:{File.ReadAllText(path)}";
            }
        }
    }

    public void Dispose()
    {
        Root.Dispose();
        _temp.Dispose();
    }
}
