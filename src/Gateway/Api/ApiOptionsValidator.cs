using Microsoft.Extensions.Options;
using ZlhGrind.ServiceDefaults;

namespace ZlhGrind.Gateway.Api;

/// <summary>Checks the <c>Api</c> section at start.</summary>
internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        new OptionsFailures(ApiOptions.SectionName)
            .Positive(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes)
            .Result;
}
