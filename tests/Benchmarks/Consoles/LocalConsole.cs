using System.Diagnostics;
using System.Text;

namespace ZlhGrind.Benchmarks.Consoles;

/// <summary>
/// The same console read on the server's own machine, the baseline of the console scenario: commands written to the
/// shim's FIFO, output read from <c>console.log</c> as inotify says it grew (as the agent's tail does).
/// </summary>
internal sealed class LocalConsole : IDisposable
{
    private readonly FileStream _input;
    private readonly FileStream _log;
    private readonly FileSystemWatcher _watcher;
    private readonly SemaphoreSlim _grew = new(0);
    private readonly byte[] _buffer = new byte[1024 * 1024];

    /// <param name="runDirectory">The agent's game run directory (console.in, console.log).</param>
    public LocalConsole(string runDirectory)
    {
        // Read-write never blocks on a FIFO, and the shim holds the reading end.
        _input = new FileStream(Path.Combine(runDirectory, "console.in"), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        _log = new FileStream(Path.Combine(runDirectory, "console.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        _log.Seek(0, SeekOrigin.End);
        _watcher = new FileSystemWatcher(runDirectory, "console.log") { NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite };
        _watcher.Changed += (_, _) =>
        {
            if (_grew.CurrentCount == 0)
            {
                _grew.Release();
            }
        };
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>
    /// Skips what the log holds (the other variant's output), writes <paramref name="command"/> and a newline, and returns
    /// the <see cref="Stopwatch"/> timestamp just before the write.
    /// </summary>
    public async Task<long> SendAsync(string command, CancellationToken cancellationToken)
    {
        _log.Seek(0, SeekOrigin.End);
        var started = Stopwatch.GetTimestamp();
        await _input.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken);
        return started;
    }

    /// <summary>Reads new output until it contains <paramref name="marker"/>; the timestamp at which it did.</summary>
    public async Task<long> ReadUntilAsync(string marker, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (true)
        {
            var read = await _log.ReadAsync(_buffer, cancellationToken);
            if (read > 0)
            {
                text.Append(Encoding.UTF8.GetString(_buffer, 0, read));
                if (text.ToString().Contains(marker, StringComparison.Ordinal))
                {
                    return Stopwatch.GetTimestamp();
                }

                continue;
            }

            await _grew.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>Reads <paramref name="bytes"/> bytes of new output; the timestamp at which the last arrived.</summary>
    public async Task<long> ReadBytesAsync(long bytes, CancellationToken cancellationToken)
    {
        while (bytes > 0)
        {
            var read = await _log.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, bytes)), cancellationToken);
            if (read > 0)
            {
                bytes -= read;
                continue;
            }

            await _grew.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        return Stopwatch.GetTimestamp();
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _input.Dispose();
        _log.Dispose();
        _grew.Dispose();
    }
}
