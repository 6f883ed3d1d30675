using Orleans.Concurrency;
using ZlhGrind.Grains.Authorization;
using ZlhGrind.Grains.Containers;

namespace ZlhGrind.Grains.Consoles;

/// <summary>
/// One console of one container (key: container id + channel name: "game" for a game server's, "terminal" for a dev
/// container's terminal tickets and sessions, "terminal/{session id}" for one terminal session), relayed between the
/// container's agent, which only dials out, and the gateways whose browsers watch it. The grain holds no output: history
/// is read from the agent on attach, live output is fanned out to the watching gateways while at least one watches.
/// </summary>
[Alias("zlh.IConsoleGrain")]
public interface IConsoleGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>A single-use ticket for the console's WebSocket, bound to <paramref name="actor"/>; others get <see cref="ContainerNotFoundException"/>.</summary>
    [Alias("IssueTicket"), Accepts(CallerKind.Gateway)]
    Task<ConsoleTicket> IssueTicketAsync(Actor actor, DateTimeOffset sessionExpiresAt);

    /// <summary>Redeems a ticket once; an unknown, used or expired ticket is a <see cref="ConsoleTicketRejectedException"/>.</summary>
    [Alias("RedeemTicket"), Accepts(CallerKind.Gateway)]
    Task<ConsoleGrant> RedeemTicketAsync(string ticket);

    /// <summary>Starts or renews live output to <paramref name="viewer"/> for one lease; returns the lease.</summary>
    [Alias("Watch"), Accepts(CallerKind.Gateway)]
    Task<TimeSpan> WatchAsync(Actor actor, IConsoleViewer viewer);

    /// <summary>Stops live output to <paramref name="viewer"/>.</summary>
    [Alias("Unwatch"), Accepts(CallerKind.Gateway)]
    Task UnwatchAsync(IConsoleViewer viewer);

    /// <summary>History from <paramref name="since"/> (null: the last <paramref name="maxBytes"/>), at most <paramref name="maxBytes"/>, read from the agent.</summary>
    [Alias("Read"), Accepts(CallerKind.Gateway)]
    Task<ConsoleHistory> ReadAsync(Actor actor, long? since, int maxBytes);

    /// <summary>Writes one command line to the program behind the console; refusals are <see cref="ConsoleCommandRefusedException"/>.</summary>
    [Alias("SendCommand"), Accepts(CallerKind.Gateway)]
    Task SendCommandAsync(Actor actor, string command);

    /// <summary>Writes terminal input as is (a terminal session only, at most <see cref="ConsoleLimits.InputBytes"/>); refusals are <see cref="ConsoleCommandRefusedException"/>.</summary>
    [Alias("SendInput"), Accepts(CallerKind.Gateway)]
    Task SendInputAsync(Actor actor, string data);

    /// <summary>Sets a terminal session's size (1..<see cref="ConsoleLimits.MaxTerminalCells"/> each); refusals are <see cref="ConsoleCommandRefusedException"/>.</summary>
    [Alias("Resize"), Accepts(CallerKind.Gateway)]
    Task ResizeAsync(Actor actor, int columns, int rows);

    /// <summary>On the "terminal" channel: the id of session <paramref name="session"/> if it is still open, else of a new shell's session.</summary>
    [Alias("OpenTerminal"), Accepts(CallerKind.Gateway)]
    Task<string> OpenTerminalAsync(Actor actor, string? session);

    /// <summary>The accepted commands, oldest first (bounded).</summary>
    [Alias("GetAudit"), Accepts(CallerKind.Gateway)]
    Task<IReadOnlyList<ConsoleAuditEntry>> GetAuditAsync(Actor actor);

    /// <summary>The agent's console endpoint (re)registers; true when someone watches, so it should stream.</summary>
    [Alias("ConnectAgent"), Accepts(CallerKind.Agent)]
    Task<bool> ConnectAgentAsync(IConsoleAgent agent);

    /// <summary>The agent's terminal host (re)registers on the "terminal" channel, to open and find sessions.</summary>
    [Alias("ConnectTerminalHost"), Accepts(CallerKind.Agent)]
    Task ConnectTerminalHostAsync(ITerminalHost host);

    /// <summary>Live output from the agent; bounded in size per call and in bytes per second.</summary>
    /// <remarks>Interleaved (it never awaits): an echo must not queue behind a command's audit write or an agent read.</remarks>
    [AlwaysInterleave, Alias("PushOutput"), Accepts(CallerKind.Agent)]
    Task PushOutputAsync(ConsoleChunk chunk);
}

/// <summary>A gateway's callback for live output (one-way: a slow gateway never holds the grain).</summary>
[Alias("zlh.IConsoleViewer")]
public interface IConsoleViewer : IGrainObserver
{
    [OneWay, Alias("Output")]
    Task OutputAsync(ConsoleChunk chunk);

    /// <summary>Access to the console was lost (container deleted, sessions revoked): the viewer closes.</summary>
    [OneWay, Alias("Revoked")]
    Task RevokedAsync(string reason);
}

/// <summary>The agent's side of a console, called by the console grain.</summary>
[Alias("zlh.IConsoleAgent")]
public interface IConsoleAgent : IGrainObserver
{
    /// <summary>History from <paramref name="since"/> (null: the last <paramref name="maxBytes"/>), at most <paramref name="maxBytes"/>.</summary>
    [Alias("Read"), ResponseTimeout("00:00:05")]
    Task<ConsoleHistory> ReadAsync(long? since, int maxBytes);

    /// <summary>Writes input; null when written, else why not (e.g. the server is not running).</summary>
    [Alias("Write"), ResponseTimeout("00:00:05")]
    Task<string?> WriteAsync(byte[] input);

    /// <summary>Sets the size of the terminal behind the console; null when done, else why not (a game console has none).</summary>
    [Alias("Resize"), ResponseTimeout("00:00:05")]
    Task<string?> ResizeAsync(int columns, int rows);

    /// <summary>Start (true) or stop pushing live output.</summary>
    [OneWay, Alias("Stream")]
    Task StreamAsync(bool on);
}

/// <summary>The agent's dev terminal host, called by the "terminal" console grain.</summary>
[Alias("zlh.ITerminalHost")]
public interface ITerminalHost : IGrainObserver
{
    /// <summary>Open session <paramref name="session"/>, or a new login shell's session when it is null or gone; its relay is connected first.</summary>
    [Alias("Open"), ResponseTimeout("00:00:10")]
    Task<TerminalOpening> OpenAsync(string? session);
}

/// <summary>The session a terminal open found or started, or why none (e.g. too many sessions).</summary>
[GenerateSerializer, Immutable, Alias("zlh.TerminalOpening")]
public sealed record TerminalOpening(string? SessionId, string? Refusal);

/// <summary>A ticket and when it expires.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleTicket")]
public sealed record ConsoleTicket(string Ticket, DateTimeOffset ExpiresAt);

/// <summary>Who a redeemed ticket was issued to, and until when their session lasts.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleGrant")]
public sealed record ConsoleGrant(Actor Actor, DateTimeOffset SessionExpiresAt);

/// <summary>Output bytes at an absolute offset of the console's history.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleChunk")]
public sealed record ConsoleChunk(long Offset, byte[] Data);

/// <summary>History read from the agent: <see cref="Data"/> starts at <see cref="Offset"/>; <see cref="End"/> is where the history ended when read.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleHistory")]
public sealed record ConsoleHistory(long Offset, byte[] Data, bool Truncated, long End);

/// <summary>An accepted command: who sent it, when, and what.</summary>
[GenerateSerializer, Immutable, Alias("zlh.ConsoleAuditEntry")]
public sealed record ConsoleAuditEntry(DateTimeOffset At, string UserId, bool IsOperator, string Command);

/// <summary>The largest values a console takes (README: "Console").</summary>
public static class ConsoleLimits
{
    /// <summary>The game server's channel name.</summary>
    public const string GameChannel = "game";

    /// <summary>Bytes of one command (UTF-8, without the newline the console adds).</summary>
    public const int CommandBytes = 1024;

    /// <summary>Bytes of one pushed chunk or one history read.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>The dev terminal's channel: tickets, sessions opened, and access (revocation) for all its sessions.</summary>
    public const string TerminalChannel = "terminal";

    /// <summary>Bytes of one terminal input frame (UTF-8).</summary>
    public const int InputBytes = 4096;

    /// <summary>A terminal's largest width and height in cells.</summary>
    public const int MaxTerminalCells = 1000;

    /// <summary>Hex digits of a terminal session id (128 random bits).</summary>
    public const int SessionIdLength = 32;

    /// <summary>The channel of terminal session <paramref name="session"/>.</summary>
    public static string TerminalSessionChannel(string session) => TerminalChannel + "/" + session;

    /// <summary>True for a well-formed session id: <see cref="SessionIdLength"/> lowercase hex digits.</summary>
    public static bool IsSessionId(string? session) =>
        session is { Length: SessionIdLength } && session.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>The largest offset a console hands out: offsets reach browsers as JSON numbers, exact up to 2^53 - 1.</summary>
    public const long MaxOffset = (1L << 53) - 1;
}

/// <summary>A console ticket that is unknown, used, expired or for another console.</summary>
[GenerateSerializer, Alias("zlh.ConsoleTicketRejectedException")]
public sealed class ConsoleTicketRejectedException : Exception
{
    public ConsoleTicketRejectedException()
    {
    }

    public ConsoleTicketRejectedException(string message)
        : base(message)
    {
    }

    public ConsoleTicketRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A command the console did not take (format, size, rate, or nothing running to take it); nothing was written.</summary>
[GenerateSerializer, Alias("zlh.ConsoleCommandRefusedException")]
public sealed class ConsoleCommandRefusedException : Exception
{
    public ConsoleCommandRefusedException()
    {
    }

    public ConsoleCommandRefusedException(string message)
        : base(message)
    {
    }

    public ConsoleCommandRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
