namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// Keeps a reattaching client's answers to replayed terminal queries out of the shell.
/// </summary>
/// <remarks>
/// A client's terminal emulator (xterm.js) answers every query it renders — a cursor position request (DSR
/// <c>ESC[6n</c>), device attributes (DA <c>ESC[c</c>, <c>ESC[&gt;c</c>), a mode or setting request (DECRQM, DECRQSS),
/// a color query (<c>OSC 10;?</c>) — also the ones in replayed history, which a program asked long ago. Those answers
/// would reach the shell as typed text. The rule: when an attachment gets history, the queries in that history are
/// counted, and for <c>ReplyWindow</c> from then on the client's next that many reply-shaped sequences are dropped;
/// everything else is forwarded. Emulators answer in order, so the first replies after a replay are the replay's; a
/// live program's query asked after the replay gets its answer once the replay's are used up. A reply-shaped sequence
/// is a whole CSI ending in <c>R n t</c>, <c>?… c</c>, <c>&gt;… c</c>, <c>$y</c> or <c>?… u</c>, or a whole OSC or DCS
/// string: no key sends those, except Shift/Ctrl+F3 in xterm's legacy encoding (<c>ESC[1;2R</c>), which inside the
/// window is dropped too. A reply is only recognised whole within one write (emulators send each reply in one piece).
/// Not thread-safe: the session guards it.
/// </remarks>
internal sealed class QueryReplyFilter(TimeProvider time, TimeSpan window)
{
    private int _pending;
    private long _openedAt;

    /// <summary>Replies still to be dropped (0 once the window has passed).</summary>
    public int Pending => _pending > 0 && time.GetElapsedTime(_openedAt) < window ? _pending : 0;

    /// <summary>A replay of <paramref name="history"/> starts: its queries' answers are expected from the client.</summary>
    public void Replay(ReadOnlySpan<byte> history)
    {
        var queries = CountQueries(history);
        if (queries == 0)
        {
            return;
        }

        _pending = Pending + queries;
        _openedAt = time.GetTimestamp();
    }

    /// <summary>The input with the replay's replies removed (the same memory when nothing is removed).</summary>
    public ReadOnlyMemory<byte> Filter(ReadOnlyMemory<byte> input)
    {
        if (Pending == 0)
        {
            _pending = 0;
            return input;
        }

        var span = input.Span;
        List<byte>? kept = null;
        var copiedTo = 0;
        for (var i = 0; i < span.Length && _pending > 0; i++)
        {
            if (!EscapeSequence.TryRead(span[i..], out var sequence))
            {
                continue;
            }

            if (IsReply(sequence))
            {
                kept ??= new List<byte>(span.Length);
                kept.AddRange(span[copiedTo..i]);
                copiedTo = i + sequence.Length;
                _pending--;
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
    internal static int CountQueries(ReadOnlySpan<byte> output)
    {
        var count = 0;
        for (var i = output.IndexOf((byte)0x1B); i >= 0 && i < output.Length; i++)
        {
            if (output[i] != 0x1B || !EscapeSequence.TryRead(output[i..], out var sequence))
            {
                continue;
            }

            if (IsQuery(sequence))
            {
                count++;
            }

            i += sequence.Length - 1;
        }

        return count;
    }

    private static bool IsQuery(EscapeSequence sequence) => sequence.Kind switch
    {
        EscapeKind.Csi => (sequence.Final, sequence.Prefix) switch
        {
            ((byte)'n', 0) => sequence.Numbers.SequenceEqual("5"u8) || sequence.Numbers.SequenceEqual("6"u8), // DSR status, cursor position
            ((byte)'n', (byte)'?') => sequence.Numbers.SequenceEqual("6"u8), // DECXCPR
            ((byte)'c', 0 or (byte)'>' or (byte)'=') => sequence.Intermediates.IsEmpty && (sequence.Numbers.IsEmpty || sequence.Numbers.SequenceEqual("0"u8)), // DA1, DA2, DA3
            ((byte)'p', _) => sequence.Intermediates.SequenceEqual("$"u8), // DECRQM
            ((byte)'t', 0) => IsWindowReportRequest(sequence.Numbers), // XTWINOPS reports
            ((byte)'q', (byte)'>') => true, // XTVERSION
            ((byte)'u', (byte)'?') => true, // keyboard protocol flags
            _ => false,
        },
        EscapeKind.Osc => sequence.Parameters.EndsWith(";?"u8), // color and clipboard queries
        EscapeKind.Dcs => sequence.Parameters.StartsWith("$q"u8) || sequence.Parameters.StartsWith("+q"u8), // DECRQSS, XTGETTCAP
        _ => false,
    };

    private static bool IsReply(EscapeSequence sequence) => sequence.Kind switch
    {
        EscapeKind.Csi => (sequence.Final, sequence.Prefix) switch
        {
            ((byte)'R', _) or ((byte)'n', _) or ((byte)'t', _) => true,
            ((byte)'c', (byte)'?' or (byte)'>') => true,
            ((byte)'y', _) => sequence.Intermediates.SequenceEqual("$"u8),
            ((byte)'u', (byte)'?') => true,
            _ => false,
        },
        _ => true,
    };

    /// <summary>CSI Ps t with Ps 11, 13, 14, 15, 16, 18, 19, 20 or 21 asks for a report.</summary>
    private static bool IsWindowReportRequest(ReadOnlySpan<byte> numbers)
    {
        var end = numbers.IndexOf((byte)';');
        var first = end < 0 ? numbers : numbers[..end];
        return first.Length == 2 && first[0] is (byte)'1' or (byte)'2'
            && (first[0] == '1' ? first[1] is (byte)'1' or (byte)'3' or (byte)'4' or (byte)'5' or (byte)'6' or (byte)'8' or (byte)'9' : first[1] is (byte)'0' or (byte)'1');
    }
}
