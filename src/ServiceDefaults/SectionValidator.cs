using Microsoft.Extensions.Options;

namespace ZlhGrind.ServiceDefaults;

/// <summary>
/// The validator of one options section: <paramref name="rules"/> add one failure per bad key to the section's
/// <see cref="OptionsFailures"/>, each naming its full key. Each options class has one validator deriving from this.
/// </summary>
/// <param name="section">The section's full name.</param>
/// <param name="rules">The checks, as one chain on the failures.</param>
public abstract class SectionValidator<TOptions>(string section, Func<TOptions, OptionsFailures, OptionsFailures> rules) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <summary>Success, or every failure of the section.</summary>
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return rules(options, new OptionsFailures(section)).Result;
    }
}
