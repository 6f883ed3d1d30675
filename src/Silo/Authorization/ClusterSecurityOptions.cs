using System.ComponentModel.DataAnnotations;

namespace ZlhGrind.Silo.Authorization;

/// <summary>The secret silos share with gateways, and how large a message any peer may send a silo.</summary>
internal sealed class ClusterSecurityOptions
{
    public const string Section = "Cluster";

    /// <summary>The gateway service key; at least 16 characters.</summary>
    [Required, MinLength(16)]
    public string ServiceKey { get; set; } = "";

    /// <summary>
    /// Largest message body a silo reads (clients and other silos). The largest legitimate bodies are crash
    /// histories (50 × 16 Ki characters) and an operator's listing of every container.
    /// </summary>
    [Range(64 * 1024, 100 * 1024 * 1024)]
    public int MaxMessageBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest message header (which carries the request context) a silo reads.</summary>
    [Range(4 * 1024, 10 * 1024 * 1024)]
    public int MaxMessageHeaderBytes { get; set; } = 256 * 1024;
}
