using System.Security.Cryptography;

namespace ZlhGrind.Agent.Files;

/// <summary>Writing a file whose sha-256 is known in advance (a mod downloaded from an artifact URL).</summary>
internal sealed partial class ConfinedRoot
{
    private const int VerifiedCopyBuffer = 81920;

    /// <summary>
    /// Writes <paramref name="content"/> (at most <paramref name="maxBytes"/>, counted against the quota as written) to a
    /// temporary file beside <paramref name="path"/> and gives it that name only when its sha-256 is
    /// <paramref name="sha256"/>; an existing entry of that name is refused (exists). Anything else leaves nothing.
    /// Refusals name the content as <paramref name="shown"/> (where it came from).
    /// </summary>
    public async Task<long> WriteVerifiedAsync(string path, Stream content, long maxBytes, byte[] sha256, string shown, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var relative = NormalizeNotRoot(path);
        Denylist.Check(relative, isDirectory: false);
        using var parent = OpenParent(relative, out var name, followLinks: true, path);
        await using var pending = PendingFile.Create(parent, Quota, maxBytes, NewFileMode, path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[VerifiedCopyBuffer];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await pending.Stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        var actual = hash.GetHashAndReset();
        if (!CryptographicOperations.FixedTimeEquals(actual, sha256))
        {
            throw new FileOperationException(
                FileErrorCode.DigestMismatch,
                $"{shown} has sha256 {Convert.ToHexStringLower(actual)}, not the {Convert.ToHexStringLower(sha256)} given; nothing was written");
        }

        pending.Commit(name, replace: false, path);
        return pending.Stream.Written;
    }
}
