namespace ZlhGrind.Agent.Terminal;

/// <summary>
/// One complete 7-bit control sequence (ECMA-48): CSI (<c>ESC [</c> params intermediates final), OSC (<c>ESC ]</c> text
/// BEL or ST) or DCS (<c>ESC P</c> text ST). 8-bit C1 introducers are not read: in UTF-8 text those bytes are parts of
/// characters.
/// </summary>
internal readonly ref struct EscapeSequence
{
    private const byte Escape = 0x1B;
    private const byte Bell = 0x07;

    private EscapeSequence(EscapeKind kind, int length, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> intermediates, byte final)
    {
        Kind = kind;
        Length = length;
        Parameters = parameters;
        Intermediates = intermediates;
        Final = final;
    }

    public EscapeKind Kind { get; }

    /// <summary>Bytes from the ESC to the end of the terminator.</summary>
    public int Length { get; }

    /// <summary>CSI: the parameter bytes, a private prefix (<c>? &gt; = &lt;</c>) included; OSC and DCS: the text.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    public ReadOnlySpan<byte> Intermediates { get; }

    /// <summary>CSI: the final byte; 0 for OSC and DCS.</summary>
    public byte Final { get; }

    /// <summary>The CSI private prefix, or 0.</summary>
    public byte Prefix => Parameters.Length > 0 && Parameters[0] is (byte)'?' or (byte)'>' or (byte)'=' or (byte)'<' ? Parameters[0] : (byte)0;

    /// <summary>The CSI parameters after any private prefix.</summary>
    public ReadOnlySpan<byte> Numbers => Prefix == 0 ? Parameters : Parameters[1..];

    /// <summary>Reads the sequence at the start of <paramref name="data"/> (which starts with ESC); false when there is none or it is not complete.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out EscapeSequence sequence)
    {
        sequence = default;
        if (data.Length < 2 || data[0] != Escape)
        {
            return false;
        }

        return data[1] switch
        {
            (byte)'[' => TryReadCsi(data, out sequence),
            (byte)']' => TryReadString(data, EscapeKind.Osc, allowBell: true, out sequence),
            (byte)'P' => TryReadString(data, EscapeKind.Dcs, allowBell: false, out sequence),
            _ => false,
        };
    }

    private static bool TryReadCsi(ReadOnlySpan<byte> data, out EscapeSequence sequence)
    {
        sequence = default;
        var i = 2;
        while (i < data.Length && data[i] is >= 0x30 and <= 0x3F)
        {
            i++;
        }

        var parametersEnd = i;
        while (i < data.Length && data[i] is >= 0x20 and <= 0x2F)
        {
            i++;
        }

        if (i >= data.Length || data[i] is not (>= 0x40 and <= 0x7E))
        {
            return false;
        }

        sequence = new EscapeSequence(EscapeKind.Csi, i + 1, data[2..parametersEnd], data[parametersEnd..i], data[i]);
        return true;
    }

    private static bool TryReadString(ReadOnlySpan<byte> data, EscapeKind kind, bool allowBell, out EscapeSequence sequence)
    {
        sequence = default;
        for (var i = 2; i < data.Length; i++)
        {
            if (allowBell && data[i] == Bell)
            {
                sequence = new EscapeSequence(kind, i + 1, data[2..i], default, 0);
                return true;
            }

            if (data[i] == Escape)
            {
                // Only ST (ESC \) ends the string; any other ESC cancels it, so this is not a whole sequence.
                if (i + 1 < data.Length && data[i + 1] == (byte)'\\')
                {
                    sequence = new EscapeSequence(kind, i + 2, data[2..i], default, 0);
                    return true;
                }

                return false;
            }
        }

        return false;
    }
}

/// <summary>The kinds of control sequence <see cref="EscapeSequence"/> reads.</summary>
internal enum EscapeKind
{
    Csi,
    Osc,
    Dcs,
}
