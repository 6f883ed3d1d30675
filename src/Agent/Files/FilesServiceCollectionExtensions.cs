using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ZlhGrind.Agent.Files;

/// <summary>Registers the file manager's options (<c>Agent:Files</c>), validated at start.</summary>
internal static class FilesServiceCollectionExtensions
{
    public static IServiceCollection AddAgentFiles(this IServiceCollection services)
    {
        services.AddOptions<FilesOptions>().BindConfiguration(FilesOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FilesOptions>, FilesOptionsValidator>();
        return services;
    }
}
