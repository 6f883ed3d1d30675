using System.Globalization;

namespace ZlhGrind.Agent.Terminal;

/// <summary>A terminal's size in character cells; both sides are 1..<see cref="MaxCells"/>.</summary>
internal readonly record struct TerminalSize
{
    /// <summary>Wider or taller than any screen; the limit keeps a hostile size from reaching the kernel's 16-bit fields.</summary>
    public const int MaxCells = 1000;

    public TerminalSize(int columns, int rows)
    {
        Columns = Require(columns, nameof(columns));
        Rows = Require(rows, nameof(rows));
    }

    /// <summary>The size a terminal has until its client says otherwise.</summary>
    public static TerminalSize Default { get; } = new(80, 24);

    public int Columns { get; }

    public int Rows { get; }

    private static int Require(int value, string name) =>
        value is >= 1 and <= MaxCells
            ? value
            : throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"a terminal's {name} must be between 1 and {MaxCells}"));
}
