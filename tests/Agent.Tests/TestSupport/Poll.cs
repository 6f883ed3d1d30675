namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>Bounded polling for facts only an outside process can change (a file it writes, a pid it frees).</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(20);
        }
    }
}
