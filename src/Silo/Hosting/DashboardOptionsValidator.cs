using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Silo.Hosting;

/// <summary>Checks the <c>Dashboard</c> section at start.</summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options) =>
        new OptionsFailures(DashboardOptions.SectionName)
            .Require(
                Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps),
                nameof(options.Url),
                $"must be an absolute http or https URL (got '{options.Url}').")
            .Result;
}
