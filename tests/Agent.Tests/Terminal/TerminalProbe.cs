using System.Text;
using System.Text.RegularExpressions;
using ZlhGrind.Agent.Consoles;

namespace ZlhGrind.Agent.Tests.Terminal;

/// <summary>
/// One attachment to a console, as a client holds it: the history, then live output, checked to follow on without gap or
/// duplicate. Live output may arrive before Attach returns (the pump thread does not wait); it is held until the history is in.
/// </summary>
internal sealed partial class TerminalProbe : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<byte> _bytes = [];
    private readonly List<ConsoleSlice> _early = [];
    private readonly List<string> _discontinuities = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _historyIn;

    private TerminalProbe()
    {
    }

    public ConsoleAttachment Attachment { get; private set; } = null!;

    /// <summary>The offset of the first byte this probe holds.</summary>
    public long First { get; private set; }

    /// <summary>The offset one past the last byte this probe holds.</summary>
    public long Next { get; private set; }

    /// <summary>Every place live output did not follow on exactly (expected vs. got); empty when there was no gap and no duplicate.</summary>
    public IReadOnlyList<string> Discontinuities
    {
        get
        {
            lock (_lock)
            {
                return [.. _discontinuities];
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return Encoding.UTF8.GetString([.. _bytes]);
            }
        }
    }

    public static TerminalProbe Attach(IConsoleChannel channel, long? since = null, int maxHistoryBytes = 1024 * 1024)
    {
        var probe = new TerminalProbe();
        probe.Attachment = channel.Attach(since, maxHistoryBytes, probe.OnOutput);
        lock (probe._lock)
        {
            probe.First = probe.Next = probe.Attachment.History.Offset;
            probe.Apply(probe.Attachment.History);
            foreach (var slice in probe._early)
            {
                probe.Apply(slice);
            }

            probe._historyIn = true;
        }

        return probe;
    }

    /// <summary>Types <paramref name="line"/> and Enter.</summary>
    public static ValueTask TypeAsync(IConsoleChannel channel, string line) =>
        channel.WriteAsync(Encoding.UTF8.GetBytes(line + "\r"), CancellationToken.None);

    /// <summary>
    /// Types <c>echo "name&lt;&lt;expression&gt;&gt;"</c> and returns what the shell printed between the brackets. The
    /// terminal's echo of the typed line still holds the unexpanded <c>$</c>, so only the shell's answer matches.
    /// </summary>
    public async Task<string> EvaluateAsync(IConsoleChannel channel, string name, string expression)
    {
        await TypeAsync(channel, $"echo \"{name}<<{expression}>>\"");
        return (await WaitForAsync(Answer(name))).Groups[1].Value;
    }

    public static Regex Answer(string name) => new(Regex.Escape(name) + "<<([^$<>\r\n]*)>>", RegexOptions.CultureInvariant);

    /// <summary>Until the output holds a match of <paramref name="pattern"/>, woken by each output (a barrier, not polling).</summary>
    public async Task<Match> WaitForAsync(Regex pattern)
    {
        var deadline = Task.Delay(Wait.Patience);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var match = pattern.Match(Encoding.UTF8.GetString([.. _bytes]));
                if (match.Success)
                {
                    return match;
                }

                changed = _changed.Task;
            }

            if (await Task.WhenAny(changed, deadline) == deadline)
            {
                throw new TimeoutException($"no {pattern} in the terminal's output: {Text}");
            }
        }
    }

    public Task<Match> WaitForAsync(string text) => WaitForAsync(new Regex(Regex.Escape(text), RegexOptions.CultureInvariant));

    public void Dispose() => Attachment.Subscription.Dispose();

    private void OnOutput(ConsoleSlice slice)
    {
        lock (_lock)
        {
            if (!_historyIn)
            {
                _early.Add(slice);
                return;
            }

            Apply(slice);
        }
    }

    private void Apply(ConsoleSlice slice)
    {
        if (slice.Offset != Next)
        {
            _discontinuities.Add($"expected offset {Next}, got {slice.Offset}");
        }

        _bytes.AddRange(slice.Data.Span);
        Next = slice.Offset + slice.Data.Length;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }
}
