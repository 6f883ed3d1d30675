using System.Diagnostics;

namespace ZlhGrind.Testing;

/// <summary>
/// Bounded polling, only for facts another process changes (a file it writes, a pid in /proc, a port opening, an HTTP
/// answer): there is no barrier to await across a process boundary. Everything in-process uses explicit barriers.
/// </summary>
public static class Wait
{
    /// <summary>How long a wait lasts when the test names no bound.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    /// <summary>Until <paramref name="probe"/> returns a value, which is returned.</summary>
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

            await Task.Delay(Period);
        }
    }

    /// <summary>Until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => condition() ? string.Empty : null, timeout, what);

    /// <summary>
    /// Until <paramref name="probe"/> returns a value; a probe of another process (an HTTP call) may fail while that
    /// process starts, so such failures count as "not yet" and the last one is told on timeout.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
            {
                last = ex;
            }

            await Task.Delay(Period);
        }

        throw new TimeoutException($"gave up after {timeout} waiting for {what}" + (last is null ? "" : $"; last error: {last.Message}"));
    }

    /// <summary>Until <paramref name="url"/> answers with a success status.</summary>
    public static Task HttpOkAsync(HttpClient http, string url, TimeSpan timeout) =>
        UntilAsync<object>(async () => (await http.GetAsync(url)).IsSuccessStatusCode ? true : null, timeout, url);
}
