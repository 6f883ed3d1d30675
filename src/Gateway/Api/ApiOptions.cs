namespace ZlhGrind.Gateway.Api;

/// <summary>The <c>Api</c> section: limits of the portal API.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>The largest JSON body the API reads; portal requests are tiny.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
