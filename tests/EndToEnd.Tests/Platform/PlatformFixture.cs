namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>
/// One default platform for the tests of the platform collection that need nothing else (a collection fixture):
/// each of them provisions containers of its own, touches only those and stops its own agents, so the tests share the
/// processes, not state. Starting a platform (artifact store, certificates, silo, gateway, tokens) is the largest fixed
/// cost of an end-to-end test. Started by the first test that asks, so a run of other tests never starts it.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private readonly Lazy<Task<Platform>> _platform = new(() => Platform.StartAsync());

    /// <summary>The shared platform, started on the first call.</summary>
    internal Task<Platform> GetAsync() => _platform.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_platform.IsValueCreated && _platform.Value.IsCompletedSuccessfully)
        {
            await (await _platform.Value).DisposeAsync();
        }
    }
}
