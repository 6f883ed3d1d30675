using Microsoft.Extensions.Primitives;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// Reads the sha-256 of an RFC 9530 <c>Content-Digest</c> header (<c>sha-256=:BASE64:</c>), strictly: a structured
/// dictionary of byte sequences, each key once; other algorithms may be listed beside it and are ignored.
/// </summary>
internal static class ContentDigest
{
    public const string HeaderName = "Content-Digest";
    public const string Missing = "A Content-Digest header with a sha-256 digest is required (RFC 9530: Content-Digest: sha-256=:BASE64:).";
    public const string Malformed = "The Content-Digest header is malformed; send Content-Digest: sha-256=:BASE64: (RFC 9530).";
    public const string WrongLength = "The sha-256 of the Content-Digest header must be 32 bytes.";

    private const int Sha256Bytes = 32;
    private const int MaxHeaderChars = 1024;

    /// <summary>The 32-byte sha-256 the header carries; else <paramref name="error"/> says what is wrong.</summary>
    public static byte[]? ReadSha256(StringValues headers, out string? error)
    {
        error = null;
        var text = headers.Count == 0 ? string.Empty : string.Join(',', headers.ToArray());
        if (text.Length == 0)
        {
            error = Missing;
            return null;
        }

        if (text.Length > MaxHeaderChars)
        {
            error = Malformed;
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        byte[]? sha256 = null;
        foreach (var rawMember in text.Split(','))
        {
            var member = rawMember.Trim(' ', '\t');
            var equals = member.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !IsKey(member[..equals]) || !seen.Add(member[..equals]))
            {
                error = Malformed;
                return null;
            }

            var value = member[(equals + 1)..];
            if (value.Length < 2 || value[0] != ':' || value[^1] != ':' || !TryBase64(value[1..^1], out var bytes))
            {
                error = Malformed;
                return null;
            }

            if (member[..equals] == "sha-256")
            {
                if (bytes.Length != Sha256Bytes)
                {
                    error = WrongLength;
                    return null;
                }

                sha256 = bytes;
            }
        }

        if (sha256 is null)
        {
            error = Missing;
        }

        return sha256;
    }

    // RFC 8941 key: lcalpha or "*" first, then lcalpha, digits, "_", "-", ".", "*".
    private static bool IsKey(string key) =>
        (key[0] is (>= 'a' and <= 'z') or '*')
        && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.' or '*');

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 != 0 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
        {
            return false;
        }

        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            return false;
        }

        bytes = buffer[..written];
        return true;
    }
}
