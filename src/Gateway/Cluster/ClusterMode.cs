namespace ZlhGrind.Gateway.Cluster;

/// <summary>How the gateway finds the silos' client gateways.</summary>
public enum ClusterMode
{
    /// <summary>A silo on this machine (embedded stack, development).</summary>
    Localhost = 0,

    /// <summary>A fixed list of silo gateway endpoints.</summary>
    Static = 1,

    /// <summary>The membership table in PostgreSQL (ADO.NET clustering).</summary>
    Postgres = 2,
}
