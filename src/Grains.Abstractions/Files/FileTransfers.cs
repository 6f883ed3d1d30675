using System.Text.Json.Serialization;

namespace ZlhGrind.Grains.Files;

/// <summary>What an agent-dialled transfer carries: a read from an offset, a whole-file write, or one upload chunk.</summary>
public enum FileTransferKind
{
    Read = 0,
    Write = 1,
    Chunk = 2,
}

/// <summary>
/// An order to dial the gateway's transfer socket at <see cref="Url"/> with the single-use <see cref="Ticket"/> (README:
/// "Files"): <see cref="Path"/> for reads and writes (a read from <see cref="Offset"/>), <see cref="UploadId"/>,
/// <see cref="ChunkIndex"/> and <see cref="Sha256"/> for an upload chunk.
/// </summary>
[GenerateSerializer, Immutable, Alias("zlh.FileTransferOrder")]
public sealed record FileTransferOrder(string Url, string Ticket, FileTransferKind Kind, string Path, long Offset, string? UploadId, int ChunkIndex, byte[]? Sha256)
{
    /// <summary>What the ticket is bound to besides container and kind: the path, or an upload chunk as "id/index".</summary>
    public string Target => Kind == FileTransferKind.Chunk ? $"{UploadId}/{ChunkIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : Path;
}

/// <summary>The transfer socket's protocol between agent and gateway (README: "Files").</summary>
public static class FileTransferProtocol
{
    /// <summary>The dial's request header carrying the ticket (its only credential).</summary>
    public const string TicketHeader = "Zlh-Transfer-Ticket";

    /// <summary>The dial's request header naming the transfer's kind (Read, Write, Chunk).</summary>
    public const string KindHeader = "Zlh-Transfer-Kind";

    /// <summary>The dial's request header naming the transfer's target (<see cref="FileTransferOrder.Target"/>, percent-encoded).</summary>
    public const string TargetHeader = "Zlh-Transfer-Target";

    /// <summary>Hex characters of a ticket (256 random bits).</summary>
    public const int TicketChars = 64;

    /// <summary>Characters of a transfer URL.</summary>
    public const int UrlChars = 2048;

    /// <summary>Bytes of one report message (JSON).</summary>
    public const int ReportBytes = 4096;

    /// <summary>What logs name a transfer by: a prefix of the ticket's SHA-256, never the ticket.</summary>
    public static string TransferId(string ticket) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ticket ?? string.Empty)))[..12];
}

/// <summary>
/// A text message on the transfer socket: before a read's bytes its <see cref="Length"/> and <see cref="Modified"/>,
/// after a write its <see cref="Size"/>, or a refusal (<see cref="Code"/>, <see cref="Message"/>) instead.
/// </summary>
public sealed record FileTransferReport(long? Size = null, long? Length = null, DateTimeOffset? Modified = null, string? Code = null, string? Message = null);

/// <summary>The transfer report's JSON (source-generated: the agent is trimmed).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FileTransferReport))]
public sealed partial class FileTransferJson : JsonSerializerContext
{
}
