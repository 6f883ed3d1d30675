using ZlhGrind.Grains.Templates;

namespace ZlhGrind.Silo.Grains.Templates;

/// <summary>Seeds the shipped templates when the silo becomes active; each only once, so an operator's edit wins.</summary>
internal sealed partial class TemplateSeeder(IGrainFactory grains, ILogger<TemplateSeeder> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TemplateSeeder), ServiceLifecycleStage.Active, OnStartAsync, _ => Task.CompletedTask);

    private async Task OnStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<ITemplateCatalogGrain>(ITemplateCatalogGrain.Key).SeedAsync(ShippedTemplates.All).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A silo whose storage is briefly away still serves; the next silo start seeds.
            LogSeedFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not seed the shipped game templates")]
    private static partial void LogSeedFailed(ILogger logger, Exception exception);
}
