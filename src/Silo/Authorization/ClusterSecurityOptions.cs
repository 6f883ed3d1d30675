namespace ZlhGrind.Silo.Authorization;

/// <summary>The secret silos share with gateways, and how large a message any peer may send a silo.</summary>
internal sealed class ClusterSecurityOptions
{
    public const string SectionName = "Cluster";

    /// <summary>The gateway service key; at least 16 characters.</summary>
    public string ServiceKey { get; set; } = "";

    /// <summary>
    /// Largest message body a silo reads (clients and other silos). The largest legitimate bodies are crash
    /// histories (50 × 16 Ki characters) and an operator's listing of every container.
    /// </summary>
    public int MaxMessageBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest message header (which carries the request context) a silo reads.</summary>
    public int MaxMessageHeaderBytes { get; set; } = 256 * 1024;
}
