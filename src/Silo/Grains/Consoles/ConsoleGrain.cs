using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Consoles;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Containers;
using ZlhGrind.Silo.Storage;

namespace ZlhGrind.Silo.Grains.Consoles;

/// <summary>
/// Relays one console between its agent and the gateways watching it (README: "Console"). It keeps no output: history
/// is the agent's, read on attach; live output is fanned out as it comes and asked of the agent only while someone
/// watches. Tickets live in memory only (60 s, single use): a lost activation loses them, and the browser asks again.
/// </summary>
internal sealed class ConsoleGrain(
    [FromKeyedServices(GrainClock.Key)] TimeProvider time,
    IOptions<ConsoleOptions> options,
    [PersistentState("console", StorageNames.Containers)] IPersistentState<ConsoleAuditRecord> audit) : Grain, IConsoleGrain, IConsoleRevocation, IAgentCredentialHolder
{
    private readonly ConsoleOptions _options = options.Value;
    private readonly Dictionary<string, OpenTicket> _tickets = new(StringComparer.Ordinal);
    private readonly Dictionary<IConsoleViewer, DateTimeOffset> _viewers = [];
    private ConsoleAccess _access = new(null, null);
    private IConsoleAgent? _agent;
    private ITerminalHost? _terminalHost;
    private bool _streaming;
    private readonly Dictionary<string, string> _sessionOpeners = new(StringComparer.Ordinal);
    private readonly Queue<string> _sessionsInOrder = new();
    private TokenBucket? _commands;
    private TokenBucket? _push;
    private long _pushedEnd;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // One budget per console (this grain), shared by every socket and gateway that sends to it.
        _commands = new TokenBucket(time, _options.CommandBurst, _options.CommandRefill);
        _push = new TokenBucket(time, _options.AgentBytesPerSecond, _options.AgentBytesPerSecond, TimeSpan.FromSeconds(1));
        await RefreshAccessAsync();
    }

    public bool IsAgentCredential(string credential) => AgentCredentials.Matches(credential, _access.AgentCredentialHash);

    public async Task<ConsoleTicket> IssueTicketAsync(Actor actor, DateTimeOffset sessionExpiresAt)
    {
        await AuthorizeAsync(actor, refresh: true);
        var now = time.GetUtcNow();
        DropExpiredTickets(now);
        if (_tickets.Count >= _options.MaxOpenTickets)
        {
            _tickets.Remove(_tickets.MinBy(t => t.Value.ExpiresAt).Key);
        }

        var ticket = Secrets.NewToken();
        var expiresAt = now + _options.TicketLifetime;
        _tickets[Secrets.HashKey(ticket)] = new OpenTicket(actor, expiresAt, sessionExpiresAt);
        return new ConsoleTicket(ticket, expiresAt);
    }

    public async Task<ConsoleGrant> RedeemTicketAsync(string ticket)
    {
        var now = time.GetUtcNow();
        DropExpiredTickets(now);
        if (string.IsNullOrEmpty(ticket) || ticket.Length > 128 || !_tickets.Remove(Secrets.HashKey(ticket), out var open))
        {
            throw new ConsoleTicketRejectedException("The console ticket is unknown, used or expired.");
        }

        await AuthorizeAsync(open.Actor, refresh: true);
        return new ConsoleGrant(open.Actor, open.SessionExpiresAt);
    }

    public async Task<TimeSpan> WatchAsync(Actor actor, IConsoleViewer viewer)
    {
        await AuthorizeAsync(actor, refresh: false);
        _viewers[viewer] = time.GetUtcNow() + _options.ViewerLease;
        SetStreaming(true);
        return _options.ViewerLease;
    }

    public Task UnwatchAsync(IConsoleViewer viewer)
    {
        _viewers.Remove(viewer);
        if (_viewers.Count == 0)
        {
            SetStreaming(false);
        }

        return Task.CompletedTask;
    }

    public async Task<ConsoleHistory> ReadAsync(Actor actor, long? since, int maxBytes)
    {
        await AuthorizeAsync(actor, refresh: false);
        if (maxBytes is < 1 or > ConsoleLimits.ChunkBytes || since is < 0)
        {
            throw new InvalidRequestException($"A console read takes 1 to {ConsoleLimits.ChunkBytes} bytes from a non-negative offset.");
        }

        var agent = _agent ?? throw new ContainerConflictException("The console's agent is not connected.");
        var history = await agent.ReadAsync(since, maxBytes);

        // The agent is the tenant's: what it answers is checked before any gateway relies on it. Bytes before the
        // offset asked for would be shown twice; offsets past MaxOffset would reach the browser rounded.
        if (history is null || history.Data is null || history.Data.Length > maxBytes
            || history.Offset < 0 || history.End > ConsoleLimits.MaxOffset || history.End - history.Data.Length < history.Offset
            || (since is { } from && history.Offset < from && history.Data.Length > 0))
        {
            throw new ContainerConflictException("The console's agent answered a read it was not asked for.");
        }

        return history;
    }

    public async Task SendCommandAsync(Actor actor, string command)
    {
        await AuthorizeAsync(actor, refresh: false);
        RequireChannel(ChannelKind.Game, "Only a game console takes commands.");
        if (command is null || command.Contains('\r', StringComparison.Ordinal) || command.Contains('\n', StringComparison.Ordinal))
        {
            throw new ConsoleCommandRefusedException("A command must not contain CR or LF.");
        }

        var bytes = Encoding.UTF8.GetByteCount(command);
        if (bytes > ConsoleLimits.CommandBytes)
        {
            throw new ConsoleCommandRefusedException($"A command is at most {ConsoleLimits.CommandBytes} bytes (got {bytes}).");
        }

        var agent = _agent ?? throw new ConsoleCommandRefusedException("The console's agent is not connected; the command was not sent.");
        if (!_commands!.TryTake())
        {
            throw new ConsoleCommandRefusedException($"Too many commands: {_options.CommandBurst} at once, then one per {_options.CommandRefill.TotalSeconds:0.###} s.");
        }

        await ThrowIfRefusedAsync(agent.WriteAsync(Encoding.UTF8.GetBytes(command + "\n")));

        audit.State.Entries.Add(new ConsoleAuditEntry(time.GetUtcNow(), actor.UserId, actor.IsOperator, command));
        if (audit.State.Entries.Count > _options.AuditEntries)
        {
            audit.State.Entries.RemoveRange(0, audit.State.Entries.Count - _options.AuditEntries);
        }

        await audit.WriteStateAsync();
    }

    public async Task SendInputAsync(Actor actor, string data)
    {
        await AuthorizeAsync(actor, refresh: false);
        RequireChannel(ChannelKind.TerminalSession, "Only a terminal session takes input.");
        var bytes = data is null ? 0 : Encoding.UTF8.GetByteCount(data);
        if (data is null || bytes > ConsoleLimits.InputBytes)
        {
            throw new ConsoleCommandRefusedException($"Terminal input is at most {ConsoleLimits.InputBytes} bytes per frame (got {bytes}).");
        }

        // Keystrokes go to the PTY as typed and are never audited: they carry passwords.
        var agent = _agent ?? throw new ConsoleCommandRefusedException("The terminal's agent is not connected.");
        await ThrowIfRefusedAsync(agent.WriteAsync(Encoding.UTF8.GetBytes(data)));
    }

    public async Task ResizeAsync(Actor actor, int columns, int rows)
    {
        await AuthorizeAsync(actor, refresh: false);
        RequireChannel(ChannelKind.TerminalSession, "Only a terminal session has a size.");
        if (columns is < 1 or > ConsoleLimits.MaxTerminalCells || rows is < 1 or > ConsoleLimits.MaxTerminalCells)
        {
            throw new ConsoleCommandRefusedException($"A terminal is 1 to {ConsoleLimits.MaxTerminalCells} columns and rows (got {columns}x{rows}).");
        }

        var agent = _agent ?? throw new ConsoleCommandRefusedException("The terminal's agent is not connected.");
        await ThrowIfRefusedAsync(agent.ResizeAsync(columns, rows));
    }

    public async Task<string> OpenTerminalAsync(Actor actor, string? session)
    {
        await AuthorizeAsync(actor, refresh: false);
        RequireChannel(ChannelKind.TerminalHost, "Terminal sessions are opened on the terminal channel.");
        if (session is not null && !ConsoleLimits.IsSessionId(session))
        {
            throw new InvalidRequestException($"A terminal session id is {ConsoleLimits.SessionIdLength} lowercase hex digits.");
        }

        // A session is its opener's alone: an operator, or another user's ticket, gets no way into someone's shell by its id.
        // One this activation does not know (its binding was lost with an earlier activation) is not resumed either.
        if (session is not null && _sessionOpeners.TryGetValue(session, out var opener) && !string.Equals(opener, actor.UserId, StringComparison.Ordinal))
        {
            throw new ContainerConflictException(SessionOfAnotherUser);
        }

        var host = _terminalHost ?? throw new ContainerConflictException("The dev container's agent is not connected.");
        var opened = await host.OpenAsync(session is not null && _sessionOpeners.ContainsKey(session) ? session : null);
        if (opened?.Refusal is { } refusal)
        {
            throw new ContainerConflictException(refusal.Length > MaxRefusalLength ? refusal[..MaxRefusalLength] : refusal);
        }

        // The agent is the tenant's: an id it answers becomes part of a grain key only once it has the documented form,
        // and it may not hand this user a session bound to someone else.
        if (opened?.SessionId is not { } id || !ConsoleLimits.IsSessionId(id))
        {
            throw new ContainerConflictException("The dev container's agent answered a malformed terminal session id.");
        }

        if (_sessionOpeners.TryGetValue(id, out var holder))
        {
            return string.Equals(holder, actor.UserId, StringComparison.Ordinal) ? id : throw new ContainerConflictException(SessionOfAnotherUser);
        }

        _sessionOpeners[id] = actor.UserId;
        _sessionsInOrder.Enqueue(id);
        while (_sessionsInOrder.Count > _options.TerminalSessionsRemembered)
        {
            _sessionOpeners.Remove(_sessionsInOrder.Dequeue());
        }

        return id;
    }

    /// <summary>The refusal of a terminal session asked for by someone other than the user who opened it.</summary>
    internal const string SessionOfAnotherUser = "This terminal session belongs to another user.";

    public Task ConnectTerminalHostAsync(ITerminalHost host)
    {
        RequireChannel(ChannelKind.TerminalHost, "Only the terminal channel takes a terminal host.");
        _terminalHost = host;
        return Task.CompletedTask;
    }

    public Task RevokeAsync(string reason)
    {
        // Tickets already handed out die with the access; a socket's renewal needs a ticket minted after this.
        _tickets.Clear();
        foreach (var viewer in _viewers.Keys)
        {
            viewer.RevokedAsync(reason).Ignore();
        }

        _viewers.Clear();
        SetStreaming(false);

        // Looked up again at the next gateway call, not here: the container's grain is waiting on this call.
        _access = _access with { OwnerId = null };
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ConsoleAuditEntry>> GetAuditAsync(Actor actor)
    {
        await AuthorizeAsync(actor, refresh: false);
        return audit.State.Entries.ToArray();
    }

    public Task<bool> ConnectAgentAsync(IConsoleAgent agent)
    {
        _agent = agent;
        _streaming = LiveViewers() > 0;
        return Task.FromResult(_streaming);
    }

    public Task PushOutputAsync(ConsoleChunk chunk)
    {
        if (chunk?.Data is null || chunk.Data.Length > ConsoleLimits.ChunkBytes || chunk.Offset < 0 || chunk.Offset > ConsoleLimits.MaxOffset - chunk.Data.Length)
        {
            throw new InvalidRequestException($"A console chunk is at most {ConsoleLimits.ChunkBytes} bytes at an offset from 0 to {ConsoleLimits.MaxOffset}.");
        }

        // Offsets only grow (the agent's ledger numbers past everything it handed out); a chunk over bytes already
        // pushed would show the watchers other bytes under offsets they hold. A gap forward is dropped output: the
        // watchers read it back as history. An empty chunk only says where the output ends; it carries no bytes.
        if (chunk.Offset < _pushedEnd && chunk.Data.Length > 0)
        {
            throw new InvalidRequestException($"A console chunk must start at or after {_pushedEnd}, where the pushed output ends (got {chunk.Offset}).");
        }

        _pushedEnd = Math.Max(_pushedEnd, chunk.Offset + chunk.Data.Length);

        if (LiveViewers() == 0)
        {
            SetStreaming(false);
            return Task.CompletedTask;
        }

        // Over its byte rate the chunk is dropped: the gateways see a gap and read it back as history, at their pace.
        if (!_push!.TryTake(chunk.Data.Length))
        {
            return Task.CompletedTask;
        }

        foreach (var viewer in _viewers.Keys)
        {
            viewer.OutputAsync(chunk).Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>An agent's refusal (its text is the tenant's: bounded before it travels on).</summary>
    private static async Task ThrowIfRefusedAsync(Task<string?> call)
    {
        string? refused;
        try
        {
            refused = await call;
        }
        catch (Exception ex) when (ex is not (OrleansException or TimeoutException or OperationCanceledException))
        {
            // The agent failed on it instead of answering (its exception and text are the tenant's): the caller still
            // gets a refusal, so a command is never left unanswered and nothing is audited as sent.
            throw new ConsoleCommandRefusedException("The console's agent failed to write it; it was not sent.");
        }

        if (refused is not null)
        {
            throw new ConsoleCommandRefusedException(refused.Length > MaxRefusalLength ? refused[..MaxRefusalLength] : refused);
        }
    }

    private void RequireChannel(ChannelKind kind, string refusal)
    {
        if (Channel() != kind)
        {
            throw new ConsoleCommandRefusedException(refusal);
        }
    }

    private ChannelKind Channel()
    {
        this.GetPrimaryKeyLong(out var channel);
        return channel switch
        {
            ConsoleLimits.GameChannel => ChannelKind.Game,
            ConsoleLimits.TerminalChannel => ChannelKind.TerminalHost,
            _ when channel is not null && channel.StartsWith(ConsoleLimits.TerminalChannel + "/", StringComparison.Ordinal)
                && ConsoleLimits.IsSessionId(channel[(ConsoleLimits.TerminalChannel.Length + 1)..]) => ChannelKind.TerminalSession,
            _ => ChannelKind.Unknown,
        };
    }

    private int LiveViewers()
    {
        var now = time.GetUtcNow();
        foreach (var (viewer, until) in _viewers.ToArray())
        {
            if (until < now)
            {
                _viewers.Remove(viewer);
            }
        }

        return _viewers.Count;
    }

    private void SetStreaming(bool on)
    {
        if (_streaming == on || _agent is null)
        {
            return;
        }

        _streaming = on;
        _agent.StreamAsync(on).Ignore();
    }

    private void DropExpiredTickets(DateTimeOffset now)
    {
        foreach (var (hash, open) in _tickets.ToArray())
        {
            if (open.ExpiresAt <= now)
            {
                _tickets.Remove(hash);
            }
        }
    }

    private async Task AuthorizeAsync(Actor actor, bool refresh)
    {
        if (refresh || _access.OwnerId is null)
        {
            await RefreshAccessAsync();
        }

        if (_access.OwnerId is null || !actor.MayAccess(_access.OwnerId))
        {
            throw new ContainerNotFoundException(this.GetPrimaryKeyLong(out _));
        }
    }

    private async Task RefreshAccessAsync()
    {
        var id = this.GetPrimaryKeyLong();
        var expected = Channel() switch
        {
            ChannelKind.Game => ContainerKind.Game,
            ChannelKind.TerminalHost or ChannelKind.TerminalSession => ContainerKind.Dev,
            _ => (ContainerKind?)null,
        };
        var kind = expected is null ? null : await GrainFactory.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetKindAsync(id);
        _access = kind switch
        {
            _ when kind != expected => new ConsoleAccess(null, null),
            ContainerKind.Game => await GrainFactory.GetGrain<ZlhGrind.Grains.GameServers.IGameServerGrain>(id).AsReference<IContainerConsoleAccess>().GetConsoleAccessAsync(),
            ContainerKind.Dev => await GrainFactory.GetGrain<ZlhGrind.Grains.DevContainers.IDevContainerGrain>(id).AsReference<IContainerConsoleAccess>().GetConsoleAccessAsync(),
            _ => new ConsoleAccess(null, null),
        };
    }

    /// <summary>The longest agent refusal passed on.</summary>
    private const int MaxRefusalLength = 200;

    private enum ChannelKind
    {
        Unknown,
        Game,
        TerminalHost,
        TerminalSession,
    }

    private sealed record OpenTicket(Actor Actor, DateTimeOffset ExpiresAt, DateTimeOffset SessionExpiresAt);
}
