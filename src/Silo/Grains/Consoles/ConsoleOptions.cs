namespace ZlhGrind.Silo.Grains.Consoles;

/// <summary>Console relay settings (section "Console"; README: "Console").</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>How long a console ticket can be redeemed.</summary>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Tickets outstanding per console at once; the oldest is dropped past it.</summary>
    public int MaxOpenTickets { get; set; } = 32;

    /// <summary>Commands a console takes at once before the rate applies.</summary>
    public int CommandBurst { get; set; } = 10;

    /// <summary>One more command per this interval after the burst.</summary>
    public TimeSpan CommandRefill { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Accepted commands kept in the audit.</summary>
    public int AuditEntries { get; set; } = 200;

    /// <summary>How long a gateway's watch lasts unless renewed.</summary>
    public TimeSpan ViewerLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Terminal sessions whose opener the "terminal" channel remembers; past it the oldest binding is forgotten (and its session cannot be resumed).</summary>
    public int TerminalSessionsRemembered { get; set; } = 256;

    /// <summary>Output bytes per second an agent may push (a second's worth at once); more is dropped and read back as history.</summary>
    public int AgentBytesPerSecond { get; set; } = 32 * 1024 * 1024;
}

/// <summary>Checks the <c>Console</c> section at start.</summary>
internal sealed class ConsoleOptionsValidator() : SectionValidator<ConsoleOptions>(ConsoleOptions.SectionName, static (options, failures) => failures
    .Positive(nameof(options.TicketLifetime), options.TicketLifetime)
    .Positive(nameof(options.CommandRefill), options.CommandRefill)
    .Positive(nameof(options.ViewerLease), options.ViewerLease)
    .Positive(nameof(options.MaxOpenTickets), options.MaxOpenTickets)
    .Positive(nameof(options.CommandBurst), options.CommandBurst)
    .Positive(nameof(options.AuditEntries), options.AuditEntries)
    .Positive(nameof(options.TerminalSessionsRemembered), options.TerminalSessionsRemembered)
    .Positive(nameof(options.AgentBytesPerSecond), options.AgentBytesPerSecond));
