using System.Text;
using Orleans.Concurrency;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;
using ZlhGrind.Silo.Authorization;
using ZlhGrind.Silo.Grains.Consoles;

namespace ZlhGrind.Silo.Grains.Files;

/// <summary>
/// Relays one container's file manager between the gateways and the container's agent (README: "Files"). It holds no
/// bytes: each piece is passed on and awaited, so the sender waits for the agent's disk. Every request is authorized
/// (owner or operator) and validated before the agent sees it, and every reply is bounded and checked before a gateway
/// does: the agent is the tenant's. Reentrant, so one long download does not hold the container's other calls.
/// </summary>
[Reentrant]
internal sealed partial class FilesGrain : Grain, IFilesGrain, IAgentCredentialHolder
{
    private const int NameBytes = 255;
    private const long MaxChunkBytes = 64L * 1024 * 1024;
    private static readonly HashSet<string> EntryTypes = new(StringComparer.Ordinal) { "file", "directory", "link", "other" };
    private static readonly HashSet<string> Formats = new(StringComparer.Ordinal) { "tar.gz", "zip" };

    // Open writes remembered with the actor who began them, so their pieces skip the two owner look-ups (the profile's
    // largest per-piece cost after the bytes themselves). Bounded: the oldest is forgotten first, and a forgotten or
    // unknown write is simply authorized in full again.
    private const int TrackedWrites = 64;
    private readonly OrderedDictionary<string, Actor> _openWrites = new(StringComparer.Ordinal);

    private ConsoleAccess _access = new(null, null);
    private IFilesAgent? _agent;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await RefreshAccessAsync();

    public bool IsAgentCredential(string credential) => AgentCredentials.Matches(credential, _access.AgentCredentialHash);

    public Task ConnectAgentAsync(IFilesAgent agent)
    {
        _agent = agent ?? throw new InvalidRequestException("An agent reference is required.");
        return Task.CompletedTask;
    }

    public async Task<FileListing> ListAsync(Actor actor, string path)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        var listing = await RelayAsync(agent => agent.ListAsync(path));
        Require(listing?.Entries is { Count: <= FileLimits.ListEntries } entries && entries.All(IsValidItem), "a listing");
        return new FileListing(listing!.Entries.ToArray(), listing.Truncated);
    }

    public async Task<FileStat> StatAsync(Actor actor, string path)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        var stat = await RelayAsync(agent => agent.StatAsync(path));
        Require(stat is { Length: >= 0 }, "a file's length");
        return stat;
    }

    public async Task<FileBlock> ReadAsync(Actor actor, string path, long offset, int count)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        if (offset < 0 || count is < 1 or > FileLimits.PieceBytes)
        {
            throw new InvalidRequestException($"A read takes 1 to {FileLimits.PieceBytes} bytes from a non-negative offset.");
        }

        var block = await RelayAsync(agent => agent.ReadAsync(path, offset, count));
        Require(block is { Data: not null, Length: >= 0 } && block.Data.Length <= count, "a read");
        return block;
    }

    public async Task<string> BeginWriteAsync(Actor actor, string path)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        return Track(CheckId(await RelayAsync(agent => agent.BeginWriteAsync(path))), actor);
    }

    public async Task<string> BeginChunkAsync(Actor actor, string uploadId, int index, byte[] sha256)
    {
        await AuthorizeAsync(actor);
        CheckIdArgument(uploadId, nameof(uploadId));
        if (index < 0 || sha256 is not { Length: 32 })
        {
            throw new InvalidRequestException("A chunk takes a non-negative index and a 32-byte sha-256.");
        }

        return Track(CheckId(await RelayAsync(agent => agent.BeginChunkAsync(uploadId, index, sha256))), actor);
    }

    public async Task AppendAsync(Actor actor, string writeId, long offset, byte[] data)
    {
        // A piece of a write this actor began here was authorized at its begin and is again at its finish, which alone
        // commits it: a container deleted or handed over meanwhile gets bytes into a temporary file that is then dropped.
        if (!IsOpenedBy(writeId, actor))
        {
            await AuthorizeAsync(actor);
        }

        CheckIdArgument(writeId, nameof(writeId));
        if (data is not { Length: >= 1 and <= FileLimits.PieceBytes } || offset < 0)
        {
            throw new InvalidRequestException($"A piece is 1 to {FileLimits.PieceBytes} bytes at a non-negative offset.");
        }

        await RelayCallAsync(agent => agent.AppendAsync(writeId, offset, data));
    }

    public async Task<long> FinishAsync(Actor actor, string writeId)
    {
        try
        {
            await AuthorizeAsync(actor);
        }
        catch (ContainerNotFoundException) when (Forget(writeId, actor))
        {
            // Its pieces were taken on the begin's authority: a caller no longer allowed to commit drops them instead.
            await AbortQuietlyAsync(writeId);
            throw;
        }

        CheckIdArgument(writeId, nameof(writeId));
        try
        {
            return CheckSize(await RelayAsync(agent => agent.FinishAsync(writeId)));
        }
        finally
        {
            _openWrites.Remove(writeId);
        }
    }

    public async Task AbortAsync(Actor actor, string writeId)
    {
        await AuthorizeAsync(actor);
        CheckIdArgument(writeId, nameof(writeId));
        _openWrites.Remove(writeId);
        await RelayCallAsync(agent => agent.AbortAsync(writeId));
    }

    public async Task MakeDirectoryAsync(Actor actor, string path)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        await RelayCallAsync(agent => agent.MakeDirectoryAsync(path));
    }

    public async Task RenameAsync(Actor actor, string from, string to)
    {
        await AuthorizeAsync(actor);
        CheckPath(from, nameof(from));
        CheckPath(to, nameof(to));
        await RelayCallAsync(agent => agent.RenameAsync(from, to));
    }

    public async Task CopyAsync(Actor actor, string from, string to)
    {
        await AuthorizeAsync(actor);
        CheckPath(from, nameof(from));
        CheckPath(to, nameof(to));
        await RelayCallAsync(agent => agent.CopyAsync(from, to));
    }

    public async Task DeleteAsync(Actor actor, string path)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        await RelayCallAsync(agent => agent.DeleteAsync(path));
    }

    public async Task ChangeModeAsync(Actor actor, string path, int mode)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        if (mode is < 0 or > 0x1FF)
        {
            throw new InvalidRequestException("mode must be between 0 and 0777.");
        }

        await RelayCallAsync(agent => agent.ChangeModeAsync(path, mode));
    }

    public async Task<long> CompressAsync(Actor actor, IReadOnlyList<string> paths, string destination, string format)
    {
        await AuthorizeAsync(actor);
        if (paths is not { Count: >= 1 and <= FileLimits.CompressPaths })
        {
            throw new InvalidRequestException($"paths must name 1 to {FileLimits.CompressPaths} files or directories.");
        }

        foreach (var path in paths)
        {
            CheckPath(path, nameof(paths));
        }

        CheckPath(destination, nameof(destination));
        if (format is null || !Formats.Contains(format))
        {
            throw new InvalidRequestException("format must be tar.gz or zip.");
        }

        var copy = paths.ToArray();
        return CheckSize(await RelayAsync(agent => agent.CompressAsync(copy, destination, format)));
    }

    public async Task<long> ExtractAsync(Actor actor, string archive, string destination)
    {
        await AuthorizeAsync(actor);
        CheckPath(archive, nameof(archive));
        CheckPath(destination, nameof(destination));
        return CheckSize(await RelayAsync(agent => agent.ExtractAsync(archive, destination)));
    }

    public async Task<UploadStarted> BeginUploadAsync(Actor actor, string path, long size, byte[] sha256)
    {
        await AuthorizeAsync(actor);
        CheckPath(path, nameof(path));
        if (size < 0 || sha256 is not { Length: 32 })
        {
            throw new InvalidRequestException("An upload takes a non-negative size and a 32-byte sha-256.");
        }

        var started = await RelayAsync(agent => agent.BeginUploadAsync(path, size, sha256));
        Require(started is { ChunkSize: > 0 and <= MaxChunkBytes, ChunkCount: >= 1 }, "an upload");
        CheckId(started.UploadId);
        return started;
    }

    public async Task<UploadState> GetUploadAsync(Actor actor, string uploadId)
    {
        await AuthorizeAsync(actor);
        CheckIdArgument(uploadId, nameof(uploadId));
        var state = await RelayAsync(agent => agent.GetUploadAsync(uploadId));
        Require(
            state is { ChunkSize: > 0 and <= MaxChunkBytes, Size: >= 0, ChunkCount: >= 1, ReceivedChunks: not null, Path: not null }
            && state.ReceivedChunks.Count <= state.ChunkCount
            && state.ReceivedChunks.All(i => i >= 0 && i < state.ChunkCount)
            && IsBoundedPath(state.Path)
            && string.Equals(state.UploadId, uploadId, StringComparison.Ordinal),
            "an upload's state");
        return state! with { ReceivedChunks = state.ReceivedChunks!.ToArray() };
    }

    public async Task<long> CompleteUploadAsync(Actor actor, string uploadId)
    {
        await AuthorizeAsync(actor);
        CheckIdArgument(uploadId, nameof(uploadId));
        return CheckSize(await RelayAsync(agent => agent.CompleteUploadAsync(uploadId)));
    }

    public async Task OpenTransferAsync(Actor actor, FileTransferOrder order)
    {
        await AuthorizeAsync(actor);
        if (order is null || !IsTransferUrl(order.Url) || !IsTicket(order.Ticket) || !Enum.IsDefined(order.Kind) || order.Offset < 0)
        {
            throw new InvalidRequestException("A transfer takes a ws(s) URL, a ticket of 64 hexadecimal digits, a kind and a non-negative offset.");
        }

        if (order.Kind == FileTransferKind.Chunk)
        {
            CheckIdArgument(order.UploadId!, nameof(order.UploadId));
            if (order.ChunkIndex < 0 || order.Sha256 is not { Length: 32 })
            {
                throw new InvalidRequestException("A chunk takes a non-negative index and a 32-byte sha-256.");
            }
        }
        else
        {
            CheckPath(order.Path, nameof(order.Path));
        }

        // A copy: the order is handed to the tenant's agent, and the caller's byte array must not be shared with it.
        var sent = order with { Sha256 = order.Sha256?.ToArray(), Offset = order.Kind == FileTransferKind.Read ? order.Offset : 0 };
        await RelayCallAsync(agent => agent.DialTransferAsync(sent));
    }

    private static bool IsTransferUrl(string? url) =>
        url is { Length: <= FileTransferProtocol.UrlChars }
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.Scheme is "ws" or "wss";

    private static bool IsTicket(string? ticket) =>
        ticket is { Length: FileTransferProtocol.TicketChars } && ticket.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    private string Track(string writeId, Actor actor)
    {
        if (_openWrites.Count >= TrackedWrites)
        {
            _openWrites.RemoveAt(0);
        }

        _openWrites[writeId] = actor;
        return writeId;
    }

    /// <summary>Whether this actor began the write here (tenant input: either may be null).</summary>
    private bool IsOpenedBy(string writeId, Actor actor) =>
        writeId is not null && actor is not null && _openWrites.TryGetValue(writeId, out var opener) && opener == actor;

    /// <summary>Forgets a write this actor began here; false when it is not one.</summary>
    private bool Forget(string writeId, Actor actor) => IsOpenedBy(writeId, actor) && _openWrites.Remove(writeId);

    private async Task AbortQuietlyAsync(string writeId)
    {
        try
        {
            await RelayCallAsync(agent => agent.AbortAsync(writeId));
        }
        catch (Exception ex) when (ex is FileRefusedException or FilesUnavailableException)
        {
            // Already ended on the agent (or the agent is gone, which aborts its idle writes itself).
        }
    }

    private async Task RelayCallAsync(Func<IFilesAgent, Task> call) => await RelayAsync(async agent =>
    {
        await call(agent);
        return true;
    });

    /// <summary>Calls the agent; its refusals come back bounded with a known code, its absence as unavailable.</summary>
    private async Task<T> RelayAsync<T>(Func<IFilesAgent, Task<T>> call)
    {
        var agent = _agent ?? throw new FilesUnavailableException("The container's agent is not connected; its files cannot be reached now.");
        try
        {
            return await call(agent);
        }
        catch (FileRefusedException ex)
        {
            throw FileRefusals.Bounded(ex.Code, ex.Message);
        }
        catch (Exception ex) when (ex is ClientNotAvailableException or TimeoutException or OrleansMessageRejectionException)
        {
            // The agent went away (or its reference did): calls wait for its next registration instead of timing out each.
            if (ReferenceEquals(_agent, agent))
            {
                _agent = null;
            }

            throw new FilesUnavailableException("The container's agent is not connected; its files cannot be reached now.");
        }
        catch (Exception ex) when (ex is not InvalidRequestException and not ContainerNotFoundException)
        {
            // Whatever else the tenant's agent threw is not passed on: its type and text are the tenant's to choose.
            throw new FileRefusedException("io_error", "The container's agent could not do this.");
        }
    }

    private static void Require(bool valid, string what)
    {
        if (!valid)
        {
            throw new FileRefusedException("io_error", $"The container's agent answered {what} that is out of bounds.");
        }
    }

    private static long CheckSize(long size)
    {
        Require(size >= 0, "a size");
        return size;
    }

    private static string CheckId(string id)
    {
        Require(IsId(id), "an id");
        return id;
    }

    private static void CheckIdArgument(string id, string name)
    {
        if (!IsId(id))
        {
            throw new InvalidRequestException($"{name} is not a valid id.");
        }
    }

    private static bool IsId(string? id) =>
        id is { Length: >= 1 and <= FileLimits.IdChars } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'z'));

    private static void CheckPath(string path, string name)
    {
        if (!IsBoundedPath(path))
        {
            throw new InvalidRequestException($"{name} must be a path of at most {FileLimits.PathBytes} bytes without NUL characters.");
        }
    }

    private static bool IsBoundedPath(string? path) =>
        path is not null && !path.Contains('\0', StringComparison.Ordinal) && Encoding.UTF8.GetByteCount(path) <= FileLimits.PathBytes;

    private static bool IsValidItem(FileItem? item) =>
        item is { Name: { Length: > 0 } name, Type: { } type, Size: >= 0, Mode: >= 0 and <= 0xFFF }
        && Encoding.UTF8.GetByteCount(name) <= NameBytes
        && !name.Contains('/', StringComparison.Ordinal)
        && !name.Contains('\0', StringComparison.Ordinal)
        && EntryTypes.Contains(type)
        && (item.LinkTarget is null || IsBoundedPath(item.LinkTarget));

    private async Task AuthorizeAsync(Actor actor)
    {
        // Owner looked up on every call: a container deleted or handed over stops answering at once.
        await RefreshAccessAsync();
        if (actor is null || _access.OwnerId is null || !actor.MayAccess(_access.OwnerId))
        {
            throw new ContainerNotFoundException(this.GetPrimaryKeyLong());
        }
    }

    private async Task RefreshAccessAsync()
    {
        var id = this.GetPrimaryKeyLong();
        var kind = await GrainFactory.GetGrain<IContainerRegistryGrain>(IContainerRegistryGrain.Key).GetKindAsync(id);
        IContainerConsoleAccess? container = kind switch
        {
            ContainerKind.Game => GrainFactory.GetGrain<ZlhGrind.Grains.GameServers.IGameServerGrain>(id).AsReference<IContainerConsoleAccess>(),
            ContainerKind.Dev => GrainFactory.GetGrain<ZlhGrind.Grains.DevContainers.IDevContainerGrain>(id).AsReference<IContainerConsoleAccess>(),
            _ => null,
        };
        _access = container is null ? new ConsoleAccess(null, null) : await container.GetConsoleAccessAsync();
    }
}
