using System.Text;
using Microsoft.Extensions.Logging;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.GameServers;

namespace ZlhGrind.Agent.Consoles;

/// <summary>
/// The game server's console: its output is the shim's log (<c>console.log</c>, which every run appends to, and
/// <c>console.log.1</c>, what it held when it last grew over its limit) numbered by <see cref="ConsoleLedger"/>, its
/// input the shim's FIFO. The files are numbered and read under <see cref="ConsoleLogLimit.RotationGate"/>, so a
/// rotation is seen whole. They are tailed only while something is attached, so output nobody watches costs nothing
/// beyond the log itself.
/// </summary>
internal sealed partial class GameConsole : IConsoleChannel, IDisposable
{
    private readonly RunDirectory _run;
    private readonly Func<GameServerState> _serverState;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<Subscriber> _subscribers = [];
    private ConsoleLedger? _ledger;
    private long _savedWatermark;
    private FileSystemWatcher? _watcher;
    private CancellationTokenSource? _tailStop;
    private SemaphoreSlim _wake = new(0);
    private long _bytesRead;

    /// <param name="run">The server's run directory.</param>
    /// <param name="serverState">The server's lifecycle state: commands go to a Running server only.</param>
    /// <param name="pollInterval">How often the tail looks at the log when no change notice came (a notice can be lost).</param>
    /// <param name="logger">Where a failing read or subscriber is reported.</param>
    public GameConsole(RunDirectory run, Func<GameServerState> serverState, TimeSpan pollInterval, ILogger logger)
    {
        _run = run;
        _serverState = serverState;
        _pollInterval = pollInterval;
        _logger = logger;
        _ledger = ConsoleLedger.Load(run);
        _savedWatermark = _ledger?.Watermark ?? 0;
    }

    /// <summary>Bytes read from the log files so far (history, pages and tail): what reading the console costs.</summary>
    internal long BytesRead => Interlocked.Read(ref _bytesRead);

    public long End
    {
        get
        {
            lock (_gate)
            lock (ConsoleLogLimit.RotationGate)
            {
                return Numbering().End;
            }
        }
    }

    public ConsoleAttachment Attach(long? since, int maxHistoryBytes, Action<ConsoleSlice> onOutput)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxHistoryBytes);
        lock (_gate)
        lock (ConsoleLogLimit.RotationGate)
        {
            var files = Numbering();
            var (start, truncated) = files.From(since, maxHistoryBytes);
            var history = new ConsoleSlice(start, Count(files.Read(start, files.End)));
            var subscriber = new Subscriber(this, onOutput, files.End);
            _subscribers.Add(subscriber);
            Remember(files.End);
            StartTailing();
            return new ConsoleAttachment(history, truncated, subscriber);
        }
    }

    public ConsoleHistoryPage Read(long? since, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        lock (_gate)
        lock (ConsoleLogLimit.RotationGate)
        {
            var files = Numbering();
            var (start, truncated) = files.From(since, maxBytes);
            var data = Count(files.Read(start, Math.Min(files.End, start + maxBytes)));
            Remember(start + data.Length);
            return new ConsoleHistoryPage(new ConsoleSlice(start, data), truncated, files.End);
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        // Every way a command can fail to reach the server is said, never swallowed: the grain audits only what was written.
        var state = _serverState();
        if (state != GameServerState.Running)
        {
            throw new ConsoleUnavailableException($"The server is not running ({state}); the command was not sent.");
        }

        var errno = Libc.TryWriteFifo(_run.ConsoleInput, input.Span);
        return errno switch
        {
            0 => ValueTask.CompletedTask,
            Libc.ENXIO or Libc.ENOENT => throw new ConsoleUnavailableException("The server's console input is closed (the server has ended); the command was not sent."),
            Libc.EAGAIN => throw new ConsoleUnavailableException("The server is not reading its console input; the command was not sent."),
            _ => throw new ConsoleUnavailableException($"The server's console input could not be written ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}); the command was not sent."),
        };
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _subscribers.Clear();
            StopTailing();
        }
    }

    /// <summary>Looks at the files once and hands new output to every subscriber (the tail loop's step; tests call it too).</summary>
    internal void Pump()
    {
        lock (_gate)
        lock (ConsoleLogLimit.RotationGate)
        {
            if (_subscribers.Count == 0)
            {
                return;
            }

            var files = Numbering();
            foreach (var subscriber in _subscribers.ToArray())
            {
                // Bytes lost in a copy-and-truncate rotation are gone for everyone; the subscriber goes on after them.
                var from = Math.Max(subscriber.Next, files.Earliest);
                if (from >= files.End)
                {
                    continue;
                }

                var data = Count(files.Read(from, files.End));
                subscriber.Next = from + data.Length;
                try
                {
                    subscriber.OnOutput(new ConsoleSlice(from, data));
                }
                catch (Exception ex)
                {
                    LogSubscriberFailed(_logger, ex);
                }
            }
        }
    }

    private byte[] Count(byte[] read)
    {
        Interlocked.Add(ref _bytesRead, read.Length);
        return read;
    }

    private void Detach(Subscriber subscriber)
    {
        lock (_gate)
        {
            if (_subscribers.Remove(subscriber))
            {
                Remember(subscriber.Next);
            }

            if (_subscribers.Count == 0)
            {
                StopTailing();
            }
        }
    }

    private void StartTailing()
    {
        if (_tailStop is not null)
        {
            return;
        }

        _tailStop = new CancellationTokenSource();
        _wake = new SemaphoreSlim(0);
        var wake = _wake;
        try
        {
            _watcher = new FileSystemWatcher(_run.Path, "console.log*") { NotifyFilter = NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.FileName };
            _watcher.Changed += (_, _) => Release(wake);
            _watcher.Created += (_, _) => Release(wake);
            _watcher.Renamed += (_, _) => Release(wake);
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            // No directory yet (no server launched) or no inotify left: the poll still tails.
            _watcher?.Dispose();
            _watcher = null;
        }

        _ = TailAsync(wake, _tailStop.Token);
    }

    private void StopTailing()
    {
        _watcher?.Dispose();
        _watcher = null;
        _tailStop?.Cancel();
        _tailStop?.Dispose();
        _tailStop = null;
    }

    private static void Release(SemaphoreSlim wake)
    {
        // One pending wake is enough: the pump reads everything there is.
        if (wake.CurrentCount == 0)
        {
            wake.Release();
        }
    }

    private async Task TailAsync(SemaphoreSlim wake, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(_pollInterval, stop);
                Pump();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (IOException ex)
            {
                LogTailFailed(_logger, ex);
            }
        }
    }

    /// <summary>
    /// Records that offsets up to <paramref name="end"/> were handed out, so a numbering started afresh (see
    /// <see cref="ConsoleLedger.Reconcile"/>) begins past them. Saved at attach and detach only, not per chunk of output.
    /// </summary>
    private void Remember(long end)
    {
        if (_ledger is { } ledger && end > _savedWatermark)
        {
            _ledger = ledger with { Watermark = Math.Max(ledger.Watermark, end) };
            _ledger.Save(_run);
            _savedWatermark = _ledger.Watermark;
        }
    }

    /// <summary>The files as they are now, with the ledger brought up to date (and saved when a rotation moved it).</summary>
    private LogFiles Numbering()
    {
        var current = Libc.StatusOfPath(_run.ConsoleLog);
        var previous = Libc.StatusOfPath(_run.PreviousConsoleLog);
        var ledger = ConsoleLedger.Reconcile(_ledger, current, previous);
        if (_ledger is null || ledger with { Watermark = 0 } != _ledger with { Watermark = 0 })
        {
            ledger.Save(_run);
            _savedWatermark = ledger.Watermark;
        }

        _ledger = ledger;
        return new LogFiles(_run, ledger, current?.Size ?? 0, previous is null ? 0 : previous.Value.Size);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A console subscriber failed on its output")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the console log failed; retrying at the next change")]
    private static partial void LogTailFailed(ILogger logger, Exception exception);

    private sealed class Subscriber(GameConsole owner, Action<ConsoleSlice> onOutput, long next) : IDisposable
    {
        public Action<ConsoleSlice> OnOutput { get; } = onOutput;

        /// <summary>The offset of the next byte this subscriber has not been given.</summary>
        public long Next { get; set; } = next;

        public void Dispose() => owner.Detach(this);
    }

    /// <summary>The two files in the console's numbering.</summary>
    private readonly record struct LogFiles(RunDirectory Run, ConsoleLedger Ledger, long CurrentSize, long PreviousSize)
    {
        public long End => Ledger.CurrentBase + CurrentSize;

        public long Earliest => Ledger.PreviousFile != 0 && PreviousSize > 0 ? Ledger.PreviousBase : Ledger.CurrentBase;

        /// <summary>Where history asked from <paramref name="since"/> (null: the last <paramref name="lastBytes"/>) starts, and whether older bytes asked for are gone.</summary>
        public (long Start, bool Truncated) From(long? since, int lastBytes)
        {
            var start = since ?? End - lastBytes;
            return (Math.Clamp(start, Earliest, End), since is not null && start < Earliest);
        }

        /// <summary>Bytes [<paramref name="from"/>, <paramref name="to"/>) from whichever file holds them.</summary>
        public byte[] Read(long from, long to)
        {
            if (to <= from)
            {
                return [];
            }

            var output = new MemoryStream((int)Math.Min(to - from, int.MaxValue));
            if (from < Ledger.CurrentBase)
            {
                Copy(Run.PreviousConsoleLog, from - Ledger.PreviousBase, Math.Min(to, Ledger.CurrentBase) - from, output);
            }

            if (to > Ledger.CurrentBase)
            {
                var start = Math.Max(from, Ledger.CurrentBase);
                Copy(Run.ConsoleLog, start - Ledger.CurrentBase, to - start, output);
            }

            return output.ToArray();
        }

        private static void Copy(string path, long position, long count, MemoryStream output)
        {
            if (count <= 0 || position < 0)
            {
                return;
            }

            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                file.Position = position;
                var buffer = new byte[Math.Min(count, 64 * 1024)];
                while (count > 0)
                {
                    var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
                    if (read == 0)
                    {
                        // The file shrank under us (a rotation): the rest is read after the next reconcile.
                        return;
                    }

                    output.Write(buffer, 0, read);
                    count -= read;
                }
            }
            catch (FileNotFoundException)
            {
            }
        }
    }
}

/// <summary>The console cannot take input now (no server is running behind it).</summary>
internal class ConsoleUnavailableException(string message) : Exception(message);
