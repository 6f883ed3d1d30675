namespace ZlhGrind.Silo.Hosting;

/// <summary>Checks the <c>Dashboard</c> section at start.</summary>
internal sealed class DashboardOptionsValidator() : SectionValidator<DashboardOptions>(DashboardOptions.SectionName, static (options, failures) => failures
    .Require(
            Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps),
            nameof(options.Url),
            $"must be an absolute http or https URL (got '{options.Url}')."));
