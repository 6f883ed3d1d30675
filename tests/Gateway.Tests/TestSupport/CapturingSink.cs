using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace ZlhGrind.Gateway.Tests.TestSupport;

/// <summary>A Serilog sink the gateway picks up from DI, keeping every rendered event for inspection.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ConcurrentQueue<(string Template, Func<LogEvent, bool>? Matches, TaskCompletionSource<LogEvent> Seen)> _waiters = new();

    /// <summary>
    /// Completes when an event with this message template (and, when given, matching <paramref name="matches"/>) is
    /// emitted: a barrier on a real log line, not a sleep.
    /// </summary>
    public Task<LogEvent> WhenLogged(string messageTemplate, Func<LogEvent, bool>? matches = null)
    {
        var seen = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((messageTemplate, matches, seen));
        return seen.Task;
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var writer = new StringWriter();
        writer.Write(logEvent.RenderMessage());
        foreach (var property in logEvent.Properties)
        {
            writer.Write(' ');
            writer.Write(property.Key);
            writer.Write('=');
            property.Value.Render(writer);
        }

        if (logEvent.Exception is not null)
        {
            writer.Write(' ');
            writer.Write(logEvent.Exception.ToString());
        }

        _lines.Enqueue(writer.ToString());
        _events.Enqueue(logEvent);
        foreach (var (template, matches, seen) in _waiters)
        {
            if (logEvent.MessageTemplate.Text == template && (matches is null || matches(logEvent)))
            {
                seen.TrySetResult(logEvent);
            }
        }
    }

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    /// <summary>Every event as emitted, for assertions on level, template and properties.</summary>
    public IReadOnlyCollection<LogEvent> Events => _events.ToArray();

    /// <summary>The events written with exactly this message template.</summary>
    public IReadOnlyList<LogEvent> WithTemplate(string messageTemplate) => [.. _events.Where(e => e.MessageTemplate.Text == messageTemplate)];
}
