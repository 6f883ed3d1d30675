using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ZlhGrind.Gateway.Auth;
using ZlhGrind.Gateway.Cluster;
using ZlhGrind.Grains.Containers;
using ZlhGrind.Grains.Files;

namespace ZlhGrind.Gateway.Files;

/// <summary>
/// The file API (issue 16) under <c>/api/servers/{id}</c> (a game server's directory) and <c>/api/dev/{id}</c> (the
/// workspace): listing, streamed download with Range, streamed whole-file write, tree operations and resumable
/// uploads. Content goes over a transfer socket the agent dials per request when this gateway has an
/// <see cref="FilesApiOptions.AgentTransferUrl"/>, else through the files grain one piece at a time (README: "Files");
/// never a whole file in memory.
/// </summary>
internal static class FileEndpoints
{
    public static WebApplicationBuilder AddFiles(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<FilesApiOptions>().BindConfiguration(FilesApiOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<FilesApiOptions>, FilesApiOptionsValidator>();
        builder.Services.AddSingleton<FileTransfers>();
        return builder;
    }

    public static RouteGroupBuilder MapFileEndpoints(this RouteGroupBuilder api, FilesApiOptions options)
    {
        Map(api.MapGroup("/servers/{id:vmid}").WithFileProblems(), ContainerKind.Game, options);
        Map(api.MapGroup("/dev/{id:vmid}").WithFileProblems(), ContainerKind.Dev, options);
        return api;
    }

    private static void Map(RouteGroupBuilder container, ContainerKind kind, FilesApiOptions options)
    {
        container.MapGet("/files", (HttpContext http, ContainerGrains c, long id, string? path) => ListAsync(http, c, kind, id, path));
        container.MapGet("/files/content", (HttpContext http, ContainerGrains c, FileTransfers t, long id, string? path) => DownloadAsync(http, c, t, kind, id, path));
        container.MapPut("/files/content", (HttpContext http, ContainerGrains c, FileTransfers t, IOptions<FilesApiOptions> o, long id, string? path) => WriteAsync(http, c, t, o.Value, kind, id, path))
            .WithMetadata(new RequestSizeLimitAttribute(options.MaxWriteBytes));
        container.MapPost("/files/mkdir", (HttpContext http, ContainerGrains c, long id, FilePathRequest body) =>
            RunAsync(http, c, kind, id, (grain, actor) => grain.MakeDirectoryAsync(actor, Required(body.Path, "path"))));
        container.MapPost("/files/delete", (HttpContext http, ContainerGrains c, long id, FilePathRequest body) =>
            RunAsync(http, c, kind, id, (grain, actor) => grain.DeleteAsync(actor, Required(body.Path, "path"))));
        container.MapPost("/files/rename", (HttpContext http, ContainerGrains c, long id, FileMoveRequest body) =>
            RunAsync(http, c, kind, id, (grain, actor) => grain.RenameAsync(actor, Required(body.From, "from"), Required(body.To, "to"))));
        container.MapPost("/files/copy", (HttpContext http, ContainerGrains c, long id, FileMoveRequest body) =>
            RunAsync(http, c, kind, id, (grain, actor) => grain.CopyAsync(actor, Required(body.From, "from"), Required(body.To, "to"))));
        container.MapPost("/files/chmod", (HttpContext http, ContainerGrains c, long id, FileModeRequest body) =>
            RunAsync(http, c, kind, id, (grain, actor) => grain.ChangeModeAsync(actor, Required(body.Path, "path"), ParseMode(body.Mode))));
        container.MapPost("/files/compress", CompressAsync);
        container.MapPost("/files/extract", ExtractAsync);
        container.MapPost("/uploads", BeginUploadAsync);
        container.MapGet("/uploads/{uploadId}", (HttpContext http, ContainerGrains c, long id, string uploadId) => UploadStateAsync(http, c, kind, id, uploadId));
        container.MapPut("/uploads/{uploadId}/chunks/{n:int}", (HttpContext http, ContainerGrains c, FileTransfers t, IOptions<FilesApiOptions> o, long id, string uploadId, int n) => PutChunkAsync(http, c, t, o.Value, kind, id, uploadId, n))
            .WithMetadata(new RequestSizeLimitAttribute(options.MaxChunkBytes));
        container.MapPost("/uploads/{uploadId}/complete", (HttpContext http, ContainerGrains c, long id, string uploadId) => CompleteAsync(http, c, kind, id, uploadId));

        async Task<IResult> CompressAsync(HttpContext http, ContainerGrains c, long id, FileCompressRequest body)
        {
            var paths = body.Paths ?? throw new InvalidRequestException("paths is required.");
            var destination = Required(body.Destination, "destination");
            var format = Required(body.Format, "format");
            var (grain, actor) = await FilesAsync(http, c, kind, id);
            return TypedResults.Ok(new FileWritten(destination, await grain.CompressAsync(actor, paths, destination, format)));
        }

        async Task<IResult> ExtractAsync(HttpContext http, ContainerGrains c, long id, FileExtractRequest body)
        {
            var archive = Required(body.Archive, "archive");
            var destination = Required(body.Destination, "destination");
            var (grain, actor) = await FilesAsync(http, c, kind, id);
            return TypedResults.Ok(new FileWritten(destination, await grain.ExtractAsync(actor, archive, destination)));
        }

        async Task<IResult> BeginUploadAsync(HttpContext http, ContainerGrains c, long id, UploadBeginRequest body)
        {
            var path = Required(body.Path, "path");
            var size = body.Size is { } s && s >= 0 ? s : throw new InvalidRequestException("size must be a non-negative number of bytes.");
            var sha256 = ParseSha256(body.Sha256);
            var (grain, actor) = await FilesAsync(http, c, kind, id);
            var started = await grain.BeginUploadAsync(actor, path, size, sha256);
            var prefix = kind == ContainerKind.Game ? "servers" : "dev";
            return TypedResults.Created($"/api/{prefix}/{id}/uploads/{started.UploadId}", started);
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, ContainerGrains containers, ContainerKind kind, long id, string? path)
    {
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        var listing = await grain.ListAsync(actor, path ?? "/");
        return TypedResults.Ok(new { path = path ?? "/", entries = listing.Entries, truncated = listing.Truncated });
    }

    private static async Task<IResult> DownloadAsync(HttpContext http, ContainerGrains containers, FileTransfers transfers, ContainerKind kind, long id, string? path)
    {
        var file = Required(path, "path");
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        var stat = await grain.StatAsync(actor, file);
        var tag = new EntityTagHeaderValue("\"" + stat.Length.ToString("x", CultureInfo.InvariantCulture) + "-" + stat.Modified.UtcTicks.ToString("x", CultureInfo.InvariantCulture) + "\"");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Stream(new TransferFileStream(transfers, grain, actor, id, file, stat, http.RequestAborted), "application/octet-stream", Path.GetFileName(file.TrimEnd('/')), stat.Modified, tag, enableRangeProcessing: true);
    }

    private static async Task<IResult> WriteAsync(HttpContext http, ContainerGrains containers, FileTransfers transfers, FilesApiOptions options, ContainerKind kind, long id, string? path)
    {
        var file = Required(path, "path");
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        if (await transfers.ConnectAsync(grain, actor, id, FileTransferKind.Write, file, 0, null, http.RequestAborted) is { } link)
        {
            await using (link)
            {
                return TypedResults.Ok(new FileWritten(file, await link.WriteAsync(http.Request.Body, options.MaxWriteBytes, http.RequestAborted)));
            }
        }

        var writeId = await grain.BeginWriteAsync(actor, file);
        var written = await SendBodyAsync(http, grain, actor, writeId, options.MaxWriteBytes);
        return TypedResults.Ok(new FileWritten(file, written));
    }

    private static async Task<IResult> PutChunkAsync(HttpContext http, ContainerGrains containers, FileTransfers transfers, FilesApiOptions options, ContainerKind kind, long id, string uploadId, int n)
    {
        var sha256 = ContentDigest.ReadSha256(http.Request.Headers[ContentDigest.HeaderName], out var error) ?? throw new InvalidRequestException(error!);
        if (n < 0)
        {
            throw new InvalidRequestException("The chunk number must not be negative.");
        }

        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        if (await transfers.ConnectAsync(grain, actor, id, FileTransferKind.Chunk, string.Empty, 0, (uploadId, n, sha256), http.RequestAborted) is { } link)
        {
            await using (link)
            {
                await link.WriteAsync(http.Request.Body, options.MaxChunkBytes, http.RequestAborted);
            }
        }
        else
        {
            var writeId = await grain.BeginChunkAsync(actor, uploadId, n, sha256);
            await SendBodyAsync(http, grain, actor, writeId, options.MaxChunkBytes);
        }

        return TypedResults.Ok(await grain.GetUploadAsync(actor, uploadId));
    }

    private static async Task<IResult> UploadStateAsync(HttpContext http, ContainerGrains containers, ContainerKind kind, long id, string uploadId)
    {
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        return TypedResults.Ok(await grain.GetUploadAsync(actor, uploadId));
    }

    private static async Task<IResult> CompleteAsync(HttpContext http, ContainerGrains containers, ContainerKind kind, long id, string uploadId)
    {
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        var state = await grain.GetUploadAsync(actor, uploadId);
        return TypedResults.Ok(new FileWritten(state.Path, await grain.CompleteUploadAsync(actor, uploadId)));
    }

    private static async Task<IResult> RunAsync(HttpContext http, ContainerGrains containers, ContainerKind kind, long id, Func<IFilesGrain, Actor, Task> call)
    {
        var (grain, actor) = await FilesAsync(http, containers, kind, id);
        await call(grain, actor);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Streams the request body to an open write in pieces, up to <see cref="FileLimits.PiecesInFlight"/> travelling
    /// at once (each names its offset; the agent writes them in order) while the next is read, so round trips overlap;
    /// the oldest is awaited before another is sent (backpressure, at most PiecesInFlight + 1 held). Past
    /// <paramref name="limit"/> it answers 413 without reading on. Any failure (the client dropped the connection, a
    /// refusal) aborts the write, so nothing of it stays.
    /// </summary>
    private static async Task<long> SendBodyAsync(HttpContext http, IFilesGrain grain, Actor actor, string writeId, long limit)
    {
        long total = 0;
        var inFlight = new Queue<Task>(FileLimits.PiecesInFlight);
        try
        {
            while (await ReadPieceAsync(http.Request.Body, http.RequestAborted) is { } piece)
            {
                if (total + piece.Length > limit)
                {
                    throw new BadHttpRequestException("body over the route's limit", StatusCodes.Status413PayloadTooLarge);
                }

                if (inFlight.Count == FileLimits.PiecesInFlight)
                {
                    await inFlight.Dequeue();
                }

                inFlight.Enqueue(grain.AppendAsync(actor, writeId, total, piece));
                total += piece.Length;
            }

            while (inFlight.TryDequeue(out var sent))
            {
                await sent;
            }

            return await grain.FinishAsync(actor, writeId);
        }
        catch
        {
            foreach (var sent in inFlight)
            {
                await Task.WhenAny(sent);
            }

            try
            {
                await grain.AbortAsync(actor, writeId);
            }
            catch (FileRefusedException)
            {
                // The agent already ended the write (its own refusal): nothing is left to abort.
            }

            throw;
        }
    }

    /// <summary>Up to one piece of the body (fewer bytes only at its end); null at the end.</summary>
    private static async Task<byte[]?> ReadPieceAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[FileLimits.PieceBytes];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled == 0 ? null : filled == buffer.Length ? buffer : buffer[..filled];
    }

    private static async Task<(IFilesGrain Grain, Actor Actor)> FilesAsync(HttpContext http, ContainerGrains containers, ContainerKind kind, long id)
    {
        var actor = http.User.ToActor();
        _ = kind == ContainerKind.Game ? (object)await containers.GameAsync(id) : await containers.DevAsync(id);
        return (containers.Factory.GetGrain<IFilesGrain>(id), actor);
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new InvalidRequestException($"{name} is required.") : value;

    private static int ParseMode(string? mode)
    {
        if (mode is not { Length: >= 1 and <= 4 } || !mode.All(c => c is >= '0' and <= '7'))
        {
            throw new InvalidRequestException("mode must be octal digits between 0 and 0777, e.g. \"755\".");
        }

        var value = Convert.ToInt32(mode, 8);
        return value <= 0x1FF ? value : throw new InvalidRequestException("mode must be octal digits between 0 and 0777, e.g. \"755\".");
    }

    private static byte[] ParseSha256(string? hex)
    {
        if (hex is not { Length: 64 } || !hex.All(char.IsAsciiHexDigit))
        {
            throw new InvalidRequestException("sha256 must be the file's SHA-256 as 64 hexadecimal digits.");
        }

        return Convert.FromHexString(hex);
    }
}
