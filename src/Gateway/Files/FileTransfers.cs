using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// The agent-dialled transfer path (README: "Files"). For a content request it has authenticated, the gateway mints a
/// single-use ticket (256 random bits) bound to the container, the kind and the target, and asks the files grain —
/// which authorizes and validates as for a chunked call — to order the agent to dial
/// <c>/agent/files/transfers/{id}</c> here with it. The first dial presenting the ticket claims it, whatever its
/// outcome; one for another container, kind or target, or after <see cref="FilesApiOptions.TransferDialTimeout"/>,
/// is refused (403) and burns it. No dial in time, or no <see cref="FilesApiOptions.AgentTransferUrl"/>: the caller
/// falls back to chunked calls. Tickets are kept by their SHA-256 and never logged.
/// </summary>
internal sealed partial class FileTransfers(IOptions<FilesApiOptions> options, TimeProvider time, ILogger<FileTransfers> logger)
{
    /// <summary>The route agents dial.</summary>
    public const string Route = "/agent/files/transfers/{id:vmid}";

    private readonly ConcurrentDictionary<string, PendingTransfer> _pending = new(StringComparer.Ordinal);
    private int _unconfiguredLogged;
    private int _fallbackLogged;

    /// <summary>Transfers waiting for their agent (tests: a refused or finished transfer leaves none).</summary>
    internal int Pending => _pending.Count;

    public static bool IsBaseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0
        && url.Length <= FileTransferProtocol.UrlChars / 2;

    /// <summary>
    /// Opens a transfer and waits for the agent's connection; null when this gateway has no transfer URL or the agent
    /// did not dial in time (the caller then uses chunked calls). The grain's refusals (not the owner, bad path) pass.
    /// </summary>
    public async Task<AgentLink?> ConnectAsync(IFilesGrain grain, Actor actor, long containerId, FileTransferKind kind, string path, long offset, (string UploadId, int Index, byte[] Sha256)? chunk, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.AgentTransferUrl))
        {
            if (Interlocked.Exchange(ref _unconfiguredLogged, 1) == 0)
            {
                LogUnconfigured(logger);
            }

            return null;
        }

        var ticket = NewTicket();
        var order = new FileTransferOrder(SocketUrl(settings.AgentTransferUrl, containerId), ticket, kind, path, offset, chunk?.UploadId, chunk?.Index ?? 0, chunk?.Sha256);
        var pending = Open(ticket, containerId, kind, order.Target);
        var key = Key(ticket);
        try
        {
            await grain.OpenTransferAsync(actor, order);
            try
            {
                return await pending.Dialled.WaitAsync(settings.TransferDialTimeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                if (pending.GiveUp() && Interlocked.Exchange(ref _fallbackLogged, 1) == 0)
                {
                    LogFallback(logger, FileTransferProtocol.TransferId(ticket), settings.TransferDialTimeout);
                }

                return pending.Dialled.IsCompletedSuccessfully ? pending.Dialled.Result : null;
            }
        }
        catch when (!pending.GiveUp() && pending.Dialled.IsCompletedSuccessfully)
        {
            // The browser went away just as the agent dialled: end the agent's request too.
            await pending.Dialled.Result.DisposeAsync();
            throw;
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, PendingTransfer>(key, pending));
            pending.GiveUp();
        }
    }

    /// <summary>A new ticket: 256 random bits in hex.</summary>
    internal static string NewTicket() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(FileTransferProtocol.TicketChars / 2));

    /// <summary>Registers a transfer waiting for its agent's dial with <paramref name="ticket"/>, valid for the dial timeout from now.</summary>
    internal PendingTransfer Open(string ticket, long containerId, FileTransferKind kind, string target)
    {
        var pending = new PendingTransfer(containerId, kind, target, time.GetUtcNow() + options.Value.TransferDialTimeout);
        _pending[Key(ticket)] = pending;
        return pending;
    }

    /// <summary>Claims a ticket for a dial (single use: removed whatever the outcome); null when refused.</summary>
    public PendingTransfer? Claim(string? ticket, long containerId, string? kind, string? target)
    {
        if (ticket is not { Length: FileTransferProtocol.TicketChars } || !_pending.TryRemove(Key(ticket), out var pending))
        {
            return null;
        }

        if (time.GetUtcNow() >= pending.ExpiresAt
            || pending.ContainerId != containerId
            || !string.Equals(pending.Kind.ToString(), kind, StringComparison.Ordinal)
            || !string.Equals(pending.Target, target is null ? null : Uri.UnescapeDataString(target), StringComparison.Ordinal))
        {
            LogRefusedDial(logger, FileTransferProtocol.TransferId(ticket), containerId);
            pending.Refuse();
            return null;
        }

        return pending;
    }

    private static string SocketUrl(string baseUrl, long containerId)
    {
        var root = new Uri(baseUrl);
        var socket = new UriBuilder(root) { Scheme = root.Scheme == "https" ? "wss" : "ws" };
        socket.Path = socket.Path.TrimEnd('/') + Route.Replace("{id:vmid}", containerId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return socket.Uri.AbsoluteUri;
    }

    private static string Key(string ticket) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Files:AgentTransferUrl is not set: file content goes as chunked calls through the cluster")]
    private static partial void LogUnconfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No agent dialled file transfer {TransferId} within {Timeout}: falling back to chunked calls (logged once)")]
    private static partial void LogFallback(ILogger logger, string transferId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a dial of file transfer {TransferId} for container {ContainerId}: expired, or another container, kind or target")]
    private static partial void LogRefusedDial(ILogger logger, string transferId, long containerId);
}

/// <summary>A transfer waiting for its agent's connection.</summary>
internal sealed class PendingTransfer(long containerId, FileTransferKind kind, string target, DateTimeOffset expiresAt)
{
    private readonly TaskCompletionSource<AgentLink> _dialled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long ContainerId => containerId;

    public FileTransferKind Kind => kind;

    public string Target => target;

    public DateTimeOffset ExpiresAt => expiresAt;

    public Task<AgentLink> Dialled => _dialled.Task;

    /// <summary>Hands the agent's connection to the waiting request; false when it gave up already.</summary>
    public bool Connect(AgentLink link) => _dialled.TrySetResult(link);

    /// <summary>The waiting request stops waiting; true when no connection had arrived.</summary>
    public bool GiveUp() => _dialled.TrySetCanceled();

    /// <summary>A dial presented the ticket with the wrong binding: the waiting request fails instead of using it.</summary>
    public void Refuse() => _dialled.TrySetException(new FileRefusedException("io_error", "The container's agent dialled the transfer for another container, kind or path."));
}
