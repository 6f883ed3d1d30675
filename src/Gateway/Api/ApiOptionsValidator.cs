namespace ZlhGrind.Gateway.Api;

/// <summary>Checks the <c>Api</c> section at start.</summary>
internal sealed class ApiOptionsValidator() : SectionValidator<ApiOptions>(ApiOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes));
