using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ZlhGrind.Silo.Tests.TestSupport;

/// <summary>Keeps the log events of a host (category, message, exception) and lets a test wait for the first that matches.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Done)> _waiters = [];

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>The first event (already logged or still to come) matching <paramref name="match"/>.</summary>
    public Task<Entry> FirstAsync(Func<Entry, bool> match)
    {
        var done = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            var seen = _entries.FirstOrDefault(match);
            if (seen is not null)
            {
                done.SetResult(seen);
            }
            else
            {
                _waiters.Add((match, done));
            }
        }

        return done.Task;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(Entry entry)
    {
        lock (_waiters)
        {
            _entries.Enqueue(entry);
            foreach (var waiter in _waiters.Where(w => w.Match(entry)).ToList())
            {
                waiter.Done.TrySetResult(entry);
                _waiters.Remove(waiter);
            }
        }
    }

    internal sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(new Entry(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
