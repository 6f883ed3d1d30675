using Microsoft.Extensions.Options;
using ZlhGrind.Grains.DevContainers;

namespace ZlhGrind.Silo.Grains.DevContainers;

/// <summary>The idle culling of code-server, in the <c>Ide</c> section next to the IDE token settings.</summary>
internal sealed class IdleOptions
{
    public const string SectionName = "Ide";

    /// <summary>How long code-server may go without IDE activity before it is stopped; zero = never. A dev spec may override it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long before the stop the container's live events carry an <c>idleWarning</c>.</summary>
    public TimeSpan IdleWarning { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The stored last activity is written again once it moved on by this much (and when the grain deactivates), so
    /// several gateways' reports cost at most one write per interval; a silo crash forgets at most this much activity.
    /// </summary>
    public TimeSpan ActivityWriteInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Checks <see cref="IdleOptions"/> at start.</summary>
internal sealed class IdleOptionsValidator : IValidateOptions<IdleOptions>
{
    public ValidateOptionsResult Validate(string? name, IdleOptions options)
    {
        var failures = new List<string>();
        if (options.IdleTimeout < TimeSpan.Zero || options.IdleTimeout > IdeIdle.MaxTimeout)
        {
            failures.Add($"Ide:IdleTimeout must be between 00:00:00 (never) and {IdeIdle.MaxTimeout}.");
        }

        if (options.IdleWarning < TimeSpan.Zero || options.IdleWarning > IdeIdle.MaxTimeout)
        {
            failures.Add($"Ide:IdleWarning must be between 00:00:00 and {IdeIdle.MaxTimeout}.");
        }

        if (options.ActivityWriteInterval <= TimeSpan.Zero || options.ActivityWriteInterval > TimeSpan.FromHours(1))
        {
            failures.Add("Ide:ActivityWriteInterval must be positive and at most 01:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Registers idle culling.</summary>
internal static class IdleCullingExtensions
{
    /// <summary>
    /// Binds from the configuration the silo was given rather than the host's (BindConfiguration): test clusters and
    /// the silo host hand <c>AddZlhGrind</c> a configuration of their own, as for every other silo option.
    /// </summary>
    public static IServiceCollection AddIdleCulling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdleOptions>().Bind(configuration.GetSection(IdleOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdleOptions>, IdleOptionsValidator>();
        return services;
    }
}
