namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// Keeps a reattaching client's answers to replayed terminal queries out of the shell.
/// </summary>
/// <remarks>
/// A client's terminal emulator (xterm.js) answers every query it renders — a cursor position request (DSR
/// <c>ESC[6n</c>), device attributes (DA <c>ESC[c</c>, <c>ESC[&gt;c</c>), a mode or setting request (DECRQM, DECRQSS),
/// a color query (<c>OSC 10;?</c>) — also the ones in replayed history, which a program asked long ago. Those answers
/// would reach the shell as typed text. The rule: when an attachment gets history, the queries in that history are
/// counted by the shape of the reply each asks for, and for <c>ReplyWindow</c> from then on the client's next that many
/// replies of each shape are dropped; everything else is forwarded. Emulators answer in order, so the first replies
/// after a replay are the replay's; a live program's query asked after the replay gets its answer once the replay's are
/// used up. A reply shape is a whole CSI ending in <c>R</c> (cursor position), <c>n</c> (status), <c>t</c> (window
/// report), <c>?… c</c> or <c>&gt;… c</c> (device attributes), <c>$y</c> (mode) or <c>?… u</c> (keyboard flags), or a
/// whole OSC or DCS string: no key sends those, except Shift/Ctrl+F3 in xterm's legacy encoding (<c>ESC[1;2R</c>),
/// which is a cursor position report's shape. Counting per shape is what keeps the dev user's own output from taking
/// the user's keys: output full of queries the browser never answers (a window report, the keyboard flags) licenses
/// dropping only replies of their own shapes, which no key sends; only cursor position queries license dropping
/// <c>ESC[1;2R</c>, and those the emulator answers, using the licence up. A reply is only recognised whole within one
/// write (emulators send each reply in one piece). Not thread-safe: the session guards it.
/// </remarks>
internal sealed class QueryReplyFilter(TimeProvider time, TimeSpan window)
{
    /// <summary>How many reply shapes there are (<see cref="ReplyShape"/> without None).</summary>
    private const int ReplyShapes = 7;

    private readonly int[] _pending = new int[ReplyShapes];
    private long _openedAt;

    /// <summary>Replies still to be dropped, of every shape (0 once the window has passed).</summary>
    public int Pending => WindowOpen ? _pending.Sum() : 0;

    private bool WindowOpen => time.GetElapsedTime(_openedAt) < window;

    /// <summary>A replay of <paramref name="history"/> starts: its queries' answers are expected from the client.</summary>
    public void Replay(ReadOnlySpan<byte> history)
    {
        var queries = new int[ReplyShapes];
        if (CountQueries(history, queries) == 0)
        {
            return;
        }

        if (!WindowOpen)
        {
            Array.Clear(_pending);
        }

        for (var shape = 0; shape < ReplyShapes; shape++)
        {
            _pending[shape] += queries[shape];
        }

        _openedAt = time.GetTimestamp();
    }

    /// <summary>The input with the replay's replies removed (the same memory when nothing is removed).</summary>
    public ReadOnlyMemory<byte> Filter(ReadOnlyMemory<byte> input)
    {
        if (Pending == 0)
        {
            Array.Clear(_pending);
            return input;
        }

        var span = input.Span;
        List<byte>? kept = null;
        var copiedTo = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (!EscapeSequence.TryRead(span[i..], out var sequence))
            {
                continue;
            }

            var shape = ReplyShapeOf(sequence);
            if (shape != ReplyShape.None && _pending[(int)shape - 1] > 0)
            {
                kept ??= new List<byte>(span.Length);
                kept.AddRange(span[copiedTo..i]);
                copiedTo = i + sequence.Length;
                _pending[(int)shape - 1]--;
            }

            i += sequence.Length - 1;
        }

        if (kept is null)
        {
            return input;
        }

        kept.AddRange(span[copiedTo..]);
        return kept.ToArray();
    }

    /// <summary>How many queries in <paramref name="output"/> a terminal emulator answers.</summary>
    internal static int CountQueries(ReadOnlySpan<byte> output) => CountQueries(output, new int[ReplyShapes]);

    /// <summary>Counts the queries in <paramref name="output"/> into <paramref name="byShape"/> by the shape of their reply; returns the total.</summary>
    private static int CountQueries(ReadOnlySpan<byte> output, int[] byShape)
    {
        var count = 0;
        for (var i = output.IndexOf((byte)0x1B); i >= 0 && i < output.Length; i++)
        {
            if (output[i] != 0x1B || !EscapeSequence.TryRead(output[i..], out var sequence))
            {
                continue;
            }

            if (QueryReplyShape(sequence) is var shape && shape != ReplyShape.None)
            {
                byShape[(int)shape - 1]++;
                count++;
            }

            i += sequence.Length - 1;
        }

        return count;
    }

    /// <summary>The shape of the reply <paramref name="sequence"/> asks for, or None when it is no query.</summary>
    private static ReplyShape QueryReplyShape(EscapeSequence sequence) => sequence.Kind switch
    {
        EscapeKind.Csi => (sequence.Final, sequence.Prefix) switch
        {
            ((byte)'n', 0) when sequence.Numbers.SequenceEqual("5"u8) => ReplyShape.Status, // DSR status: CSI 0 n
            ((byte)'n', 0) when sequence.Numbers.SequenceEqual("6"u8) => ReplyShape.CursorPosition, // CPR: CSI r;c R
            ((byte)'n', (byte)'?') when sequence.Numbers.SequenceEqual("6"u8) => ReplyShape.CursorPosition, // DECXCPR
            ((byte)'c', 0 or (byte)'>') when sequence.Intermediates.IsEmpty && (sequence.Numbers.IsEmpty || sequence.Numbers.SequenceEqual("0"u8)) => ReplyShape.DeviceAttributes, // DA1, DA2
            ((byte)'c', (byte)'=') when sequence.Intermediates.IsEmpty && (sequence.Numbers.IsEmpty || sequence.Numbers.SequenceEqual("0"u8)) => ReplyShape.String, // DA3: a DCS
            ((byte)'p', _) when sequence.Intermediates.SequenceEqual("$"u8) => ReplyShape.Mode, // DECRQM: CSI … $ y
            ((byte)'t', 0) when IsWindowReportRequest(sequence.Numbers) => IsTitleRequest(sequence.Numbers) ? ReplyShape.String : ReplyShape.WindowReport, // XTWINOPS
            ((byte)'q', (byte)'>') => ReplyShape.String, // XTVERSION: a DCS
            ((byte)'u', (byte)'?') => ReplyShape.KeyboardFlags,
            _ => ReplyShape.None,
        },
        EscapeKind.Osc when sequence.Parameters.EndsWith(";?"u8) => ReplyShape.String, // color and clipboard queries
        EscapeKind.Dcs when sequence.Parameters.StartsWith("$q"u8) || sequence.Parameters.StartsWith("+q"u8) => ReplyShape.String, // DECRQSS, XTGETTCAP
        _ => ReplyShape.None,
    };

    /// <summary>The reply shape <paramref name="sequence"/> has, or None when no reply looks like it.</summary>
    private static ReplyShape ReplyShapeOf(EscapeSequence sequence) => sequence.Kind switch
    {
        EscapeKind.Csi => (sequence.Final, sequence.Prefix) switch
        {
            ((byte)'R', _) => ReplyShape.CursorPosition,
            ((byte)'n', _) => ReplyShape.Status,
            ((byte)'t', _) => ReplyShape.WindowReport,
            ((byte)'c', (byte)'?' or (byte)'>') => ReplyShape.DeviceAttributes,
            ((byte)'y', _) when sequence.Intermediates.SequenceEqual("$"u8) => ReplyShape.Mode,
            ((byte)'u', (byte)'?') => ReplyShape.KeyboardFlags,
            _ => ReplyShape.None,
        },
        _ => ReplyShape.String,
    };

    /// <summary>CSI 20 t and CSI 21 t ask for the icon label and the title, answered as OSC strings.</summary>
    private static bool IsTitleRequest(ReadOnlySpan<byte> numbers) =>
        numbers.StartsWith("20"u8) || numbers.StartsWith("21"u8);

    /// <summary>CSI Ps t with Ps 11, 13, 14, 15, 16, 18, 19, 20 or 21 asks for a report.</summary>
    private static bool IsWindowReportRequest(ReadOnlySpan<byte> numbers)
    {
        var end = numbers.IndexOf((byte)';');
        var first = end < 0 ? numbers : numbers[..end];
        return first.Length == 2 && first[0] is (byte)'1' or (byte)'2'
            && (first[0] == '1' ? first[1] is (byte)'1' or (byte)'3' or (byte)'4' or (byte)'5' or (byte)'6' or (byte)'8' or (byte)'9' : first[1] is (byte)'0' or (byte)'1');
    }

    /// <summary>The reply shapes, counted apart: a query licenses dropping replies of its own shape only.</summary>
    private enum ReplyShape
    {
        None,
        CursorPosition,
        Status,
        WindowReport,
        DeviceAttributes,
        Mode,
        KeyboardFlags,
        String,
    }
}
