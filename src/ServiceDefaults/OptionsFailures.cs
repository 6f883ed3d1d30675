using System.Globalization;
using Microsoft.Extensions.Options;

namespace ZlhGrind.ServiceDefaults;

/// <summary>
/// Collects what is wrong with one options section, each failure naming its full key
/// (<c>Section:Key must be … (got …).</c>), for the validator classes of the three hosts.
/// </summary>
/// <param name="section">The section's full name, e.g. <c>IdeTunnel</c> or <c>Cluster:Tls</c>.</param>
public sealed class OptionsFailures(string section)
{
    private List<string>? _failures;

    /// <summary>Adds <c>Section:name message</c> unless <paramref name="ok"/>.</summary>
    public OptionsFailures Require(bool ok, string name, string message)
    {
        if (!ok)
        {
            (_failures ??= []).Add(section + ":" + name + " " + message);
        }

        return this;
    }

    /// <summary>A duration that must be above zero.</summary>
    public OptionsFailures Positive(string name, TimeSpan value) =>
        Require(value > TimeSpan.Zero, name, $"must be positive (got {Format(value)}).");

    /// <summary>A count or size that must be above zero.</summary>
    public OptionsFailures Positive(string name, long value) =>
        Require(value > 0, name, $"must be positive (got {Format(value)}).");

    /// <summary>A duration that must not be negative.</summary>
    public OptionsFailures NotNegative(string name, TimeSpan value) =>
        Require(value >= TimeSpan.Zero, name, $"must not be negative (got {Format(value)}).");

    /// <summary>A duration within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public OptionsFailures Between(string name, TimeSpan value, TimeSpan min, TimeSpan max) =>
        Require(value >= min && value <= max, name, $"must be between {Format(min)} and {Format(max)} (got {Format(value)}).");

    /// <summary>A number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public OptionsFailures Between(string name, long value, long min, long max) =>
        Require(value >= min && value <= max, name, $"must be between {Format(min)} and {Format(max)} (got {Format(value)}).");

    /// <summary>A TCP port (1..65535).</summary>
    public OptionsFailures Port(string name, int value) => Between(name, value, 1, 65535);

    /// <summary>Every entry of a list parses; the first that does not is named with its index.</summary>
    public OptionsFailures Each<T>(string name, IReadOnlyList<T> values, Func<T, bool> parses, string what)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!parses(values[i]))
            {
                return Require(false, string.Create(CultureInfo.InvariantCulture, $"{name}:{i}"), string.Create(CultureInfo.InvariantCulture, $"must be {what} (got '{values[i]}')."));
            }
        }

        return this;
    }

    /// <summary>Adds failures a shared check already worded, each naming its full key itself (e.g. the cluster TLS loader's).</summary>
    public OptionsFailures Worded(IEnumerable<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        foreach (var failure in failures)
        {
            (_failures ??= []).Add(failure);
        }

        return this;
    }

    /// <summary>Adds <paramref name="failure"/>, worded with its full key by a shared check, unless it is null.</summary>
    public OptionsFailures Worded(string? failure) => failure is null ? this : Worded([failure]);

    /// <summary>Success, or every failure collected.</summary>
    public ValidateOptionsResult Result => _failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
