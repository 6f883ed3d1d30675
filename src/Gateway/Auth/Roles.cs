namespace ZlhGrind.Gateway.Auth;

/// <summary>Claim names and values of portal tokens.</summary>
public static class Roles
{
    /// <summary>The role that sees and acts on every container and manages the runtime catalog.</summary>
    public const string Operator = "operator";

    /// <summary>The claim that carries roles.</summary>
    public const string RoleClaim = "role";

    /// <summary>The claim that carries the portal user id.</summary>
    public const string SubjectClaim = "sub";

    /// <summary>The authorization policy of operator-only routes.</summary>
    public const string OperatorPolicy = "operator";
}
