using System.Diagnostics;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>Bounded polling, only for facts that depend on an external process (a pid appearing in /proc, a port opening).</summary>
internal static class Wait
{
    public static async Task<T> UntilAsync<T>(Func<T?> probe, TimeSpan timeout, string what)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"gave up after {timeout} waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task UntilAsync(Func<bool> probe, TimeSpan timeout, string what)
    {
        await UntilAsync(() => probe() ? string.Empty : null, timeout, what);
    }
}
