using System.ComponentModel.DataAnnotations;

namespace ZlhGrind.Silo.Authorization;

/// <summary>The secret silos share with gateways.</summary>
internal sealed class ClusterSecurityOptions
{
    public const string Section = "Cluster";

    /// <summary>The gateway service key; at least 16 characters.</summary>
    [Required, MinLength(16)]
    public string ServiceKey { get; set; } = "";
}
