using ZlhGrind.Agent.Files;

namespace ZlhGrind.Agent.Tests.Files;

public sealed class FilesOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.True(new FilesOptionsValidator().Validate(null, new FilesOptions()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_EachNamesItsFullKey()
    {
        var result = new FilesOptionsValidator().Validate(null, new FilesOptions { MaxWriteBytes = 0, UploadChunkBytes = 1, UploadExpiry = TimeSpan.Zero });

        Assert.Equal(
            [
                "Agent:Files:MaxWriteBytes must be positive (got 0).",
                "Agent:Files:UploadChunkBytes must be between 65536 and 67108864 (got 1).",
                "Agent:Files:UploadExpiry must be positive (got 00:00:00).",
            ],
            result.Failures);
    }
}
