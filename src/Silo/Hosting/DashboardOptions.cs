namespace ZlhGrind.Silo.Hosting;

/// <summary>The <c>Dashboard</c> section: the silo's HTTP listener (dashboard and health check).</summary>
internal sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>The listen address of the dashboard (<c>/dashboard</c>) and <c>/healthz</c>.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8081";
}
