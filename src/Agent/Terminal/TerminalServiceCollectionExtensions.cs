using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.Terminal;

/// <summary>Registers the dev terminal (<see cref="TerminalSessions"/>) with its options from <c>Agent:Terminal</c>.</summary>
internal static class TerminalServiceCollectionExtensions
{
    /// <summary>Adds <see cref="TerminalSessions"/>; the dev environment (<c>DevUserEnvironment</c>) must be registered too.</summary>
    public static IServiceCollection AddDevTerminal(this IServiceCollection services)
    {
        services.AddOptions<TerminalOptions>().BindConfiguration(TerminalOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TerminalOptions>, TerminalOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TerminalSessions>();
        return services;
    }
}
