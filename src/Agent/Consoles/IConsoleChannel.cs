namespace ZlhGrind.Agent.Consoles;

/// <summary>
/// One console's bytes as the agent holds them: output numbered by absolute byte offset since the console began,
/// a bounded history, live output, and input. The game server's console and each dev terminal session are one each,
/// so the path to the browser is written once.
/// </summary>
internal interface IConsoleChannel
{
    /// <summary>The offset one past the last output byte so far.</summary>
    long End { get; }

    /// <summary>
    /// The history from <paramref name="since"/> (null: the last <paramref name="maxHistoryBytes"/>) and, from the
    /// first byte after it, every later output to <paramref name="onOutput"/>, in order, with no gap and no duplicate.
    /// History older than the channel keeps starts where it still exists, and the attachment says it was truncated.
    /// </summary>
    ConsoleAttachment Attach(long? since, int maxHistoryBytes, Action<ConsoleSlice> onOutput);

    /// <summary>
    /// One page of history without attaching: at most <paramref name="maxBytes"/> from <paramref name="since"/> (null: the
    /// last <paramref name="maxBytes"/>). Only the page's bytes are read, so a viewer catching up over a long history page
    /// by page costs the history's length once, not once per page.
    /// </summary>
    ConsoleHistoryPage Read(long? since, int maxBytes);

    /// <summary>Input for the program behind the console (a game server's stdin; a terminal's keystrokes).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken);
}

/// <summary>A console with a size in character cells (a terminal); a game console has none.</summary>
internal interface IResizableConsoleChannel : IConsoleChannel
{
    /// <summary>Sets the size; <see cref="ConsoleUnavailableException"/> when the program behind it has ended.</summary>
    void Resize(int columns, int rows);
}

/// <summary>Output bytes and the absolute offset of their first byte.</summary>
internal readonly record struct ConsoleSlice(long Offset, ReadOnlyMemory<byte> Data);

/// <summary>What <see cref="IConsoleChannel.Attach"/> returns; disposing the subscription stops live output.</summary>
internal sealed record ConsoleAttachment(ConsoleSlice History, bool Truncated, IDisposable Subscription);

/// <summary>A page of history (<see cref="IConsoleChannel.Read"/>): its bytes, whether older history asked for is gone, and where the output ended when read.</summary>
internal sealed record ConsoleHistoryPage(ConsoleSlice Slice, bool Truncated, long End);
