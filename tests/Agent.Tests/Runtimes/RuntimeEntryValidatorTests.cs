using ZlhGrind.Agent.Runtimes;
using ZlhGrind.Grains.Runtimes;

namespace ZlhGrind.Agent.Tests.Runtimes;

public sealed class RuntimeEntryValidatorTests
{
    private static readonly RuntimeEntry Valid = new(
        "node", "20.11.1", "http://127.0.0.1:8090/node-20.11.1.tar.gz", new string('a', 64), 1000, "bin", ["bin/node", "--version"]);

    public static TheoryData<string, string> BadEntries => new()
    {
        { "name", "name '../node' must be" },
        { "version", "version '1/../../x' must be" },
        { "dotdot-version", "version '1..2' must be" },
        { "url-scheme", "artifact URL must be an absolute http or https URL" },
        { "url-credentials", "artifact URL must not carry credentials" },
        { "sha", "sha256 must be 64 hexadecimal characters" },
        { "size", "size must be positive, not 0" },
        { "bin-absolute", "bin path is refused: '/usr/bin' is an absolute path" },
        { "bin-dotdot", "bin path is refused: '../bin' climbs out with '..'" },
        { "verify-empty", "verify command is empty" },
        { "verify-absolute", "verify command is refused: '/bin/sh' is an absolute path" },
    };

    [Fact]
    public void Validate_GoodEntry_ReturnsTheArtifact()
    {
        var artifact = Validator().Validate(Valid with { Sha256 = new string('A', 64) });

        Assert.Equal(new ArtifactSpec(new Uri(Valid.ArtifactUrl), new string('a', 64), 1000), artifact);
    }

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Validate_BadField_RefusedWithReason(string field, string reason)
    {
        var entry = field switch
        {
            "name" => Valid with { Name = "../node" },
            "version" => Valid with { Version = "1/../../x" },
            "dotdot-version" => Valid with { Version = "1..2" },
            "url-scheme" => Valid with { ArtifactUrl = "file:///etc/passwd" },
            "url-credentials" => Valid with { ArtifactUrl = "http://user:secret@127.0.0.1/x.tar.gz" },
            "sha" => Valid with { Sha256 = "abc" },
            "size" => Valid with { SizeBytes = 0 },
            "bin-absolute" => Valid with { BinPath = "/usr/bin" },
            "bin-dotdot" => Valid with { BinPath = "../bin" },
            "verify-empty" => Valid with { VerifyCommand = [] },
            "verify-absolute" => Valid with { VerifyCommand = ["/bin/sh", "-c", "id"] },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var error = Assert.Throws<RuntimeInstallException>(() => Validator().Validate(entry));

        Assert.Equal(InstallFailure.InvalidEntry, error.Failure);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NameWithUnderscore_RefusedWithTheSiloCatalogsMessage()
    {
        // The same entry and sentence as the silo's catalog (Silo.Tests RuntimeEntryRulesTests): one set of rules.
        var error = Assert.Throws<RuntimeInstallException>(() => Validator().Validate(Valid with { Name = "node_js" }));

        Assert.Equal(InstallFailure.InvalidEntry, error.Failure);
        Assert.Equal("catalog entry node_js 20.11.1 is invalid: name 'node_js' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter.", error.Message);
    }

    [Fact]
    public void DelayAfter_Attempts_DoublesUpToTheCap()
    {
        var options = new RuntimeInstallOptions { RetryBackoff = TimeSpan.FromSeconds(2), MaxRetryBackoff = TimeSpan.FromSeconds(10) };

        var delays = Enumerable.Range(1, 5).Select(attempt => DownloadRetryPolicy.DelayAfter(attempt, options).TotalSeconds);

        Assert.Equal([2, 4, 8, 10, 10], delays);
    }

    private static RuntimeEntryValidator Validator() =>
        new(Microsoft.Extensions.Options.Options.Create(new RuntimeInstallOptions()));
}
