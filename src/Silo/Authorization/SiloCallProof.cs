using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Silo.Authorization;

/// <summary>
/// What marks a call as made by the silo itself (a grain, a system target, the dashboard). The message's
/// sender id cannot serve: a client writes its own message headers. The proof is an HMAC of the service key,
/// so every silo of the cluster computes the same one and no tenant can; a gateway could, but a gateway
/// already holds the key to everything the proof opens but the registry's claim and the session feed.
/// </summary>
internal sealed class SiloCallProof
{
    /// <summary>The request-context key the proof travels under between silos.</summary>
    public const string Key = "zlh.in";

    private static readonly byte[] Label = Encoding.UTF8.GetBytes("zlhgrind silo-internal call v1");

    private readonly byte[] _hash;

    public SiloCallProof(IOptions<ClusterSecurityOptions> options)
    {
        Value = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ServiceKey), Label));
        _hash = Secrets.Hash(Value);
    }

    /// <summary>The proof itself (never logged, never sent to a client).</summary>
    public string Value { get; }

    /// <summary>True when <paramref name="candidate"/> is the proof; time does not depend on where they differ.</summary>
    public bool Matches(string candidate) => Secrets.Matches(candidate, _hash);
}

/// <summary>Every request-context key that proves something about a caller.</summary>
internal static class CallerSecrets
{
    public static readonly string[] Keys =
    [
        ZlhGrind.Grains.Authorization.CallContextKeys.ServiceKey,
        ZlhGrind.Grains.Authorization.CallContextKeys.Operator,
        ZlhGrind.Grains.Authorization.CallContextKeys.AgentContainerId,
        ZlhGrind.Grains.Authorization.CallContextKeys.AgentCredential,
        SiloCallProof.Key,
    ];

    /// <summary>Removes every caller proof from the current request context.</summary>
    public static void Remove()
    {
        foreach (var key in Keys)
        {
            RequestContext.Remove(key);
        }
    }
}
