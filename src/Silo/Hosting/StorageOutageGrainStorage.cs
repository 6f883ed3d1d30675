using Orleans.Storage;

namespace ZlhGrind.Silo.Hosting;

/// <summary>
/// Grain storage that reports a database failure as "Storage is unavailable" (an <see cref="OrleansException"/>), so a
/// read that fails while a grain activates reaches the caller readable too: that path bypasses grain call filters.
/// </summary>
/// <remarks>
/// Found by <c>PostgresRestartTests</c> (1 run in 3): provisioning a new container while PostgreSQL stopped failed in
/// the new activation's read with <c>PostgresException</c>, which has no Orleans codec, and the API answered 500.
/// </remarks>
internal sealed class StorageOutageGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>The wrapped provider initializes itself with the silo (it creates its connection pools there).</summary>
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    private static async Task Guard(Task operation)
    {
        try
        {
            await operation;
        }
        catch (Exception exception) when (StorageOutageCallFilter.DatabaseFailure(exception) is not null)
        {
            throw StorageOutageCallFilter.Unavailable();
        }
    }
}
