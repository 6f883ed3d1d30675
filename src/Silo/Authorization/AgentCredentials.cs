using System.Security.Cryptography;
using System.Text;

namespace ZlhGrind.Silo.Authorization;

/// <summary>Agent credentials: 256 random bits shown once, stored only as SHA-256, compared in constant time.</summary>
internal static class AgentCredentials
{
    /// <summary>Creates a new credential (base64url, 43 characters).</summary>
    public static string Create() => Secrets.NewToken();

    public static byte[] Hash(string credential) => Secrets.Hash(credential);

    /// <summary>True when <paramref name="credential"/> hashes to <paramref name="expectedHash"/>; time does not depend on where they differ.</summary>
    public static bool Matches(string credential, byte[]? expectedHash) => Secrets.Matches(credential, expectedHash);
}

/// <summary>Random secrets and their stored hashes (tokens, session ids, credentials).</summary>
internal static class Secrets
{
    /// <summary>256 random bits as base64url.</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The hash a secret is stored or compared under (SHA-256 of its UTF-8).</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>True when <paramref name="secret"/> hashes to <paramref name="expectedHash"/>; time does not depend on where they differ.</summary>
    public static bool Matches(string secret, byte[]? expectedHash) =>
        expectedHash is not null && CryptographicOperations.FixedTimeEquals(Hash(secret), expectedHash);

    /// <summary>The hash a secret is stored under, as text (dictionary key).</summary>
    public static string HashKey(string secret) => Base64Url(Hash(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
