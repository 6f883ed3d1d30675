using System.Diagnostics;

namespace ZlhGrind.EndToEnd.Tests.Platform;

/// <summary>Bounded waits for things other processes do (there is no barrier to await across a process boundary).</summary>
internal static class Wait
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

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

            await Task.Delay(Poll);
        }

        throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s waiting for {what}." + (last is null ? "" : $" Last error: {last.Message}"));
    }

    public static Task HttpOkAsync(HttpClient http, string url, TimeSpan timeout) =>
        UntilAsync<object>(async () => (await http.GetAsync(url)).IsSuccessStatusCode ? true : null, timeout, url);
}
