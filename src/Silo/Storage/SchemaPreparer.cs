using Microsoft.Extensions.Options;

namespace ZlhGrind.Silo.Storage;

/// <summary>Prepares the database before the storage providers start, so a fresh machine needs no set-up step.</summary>
internal sealed class SchemaPreparer(IOptions<StorageOptions> storage) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaPreparer), ServiceLifecycleStage.RuntimeInitialize, ct => StorageExtensions.PrepareAsync(storage.Value, ct));
}
