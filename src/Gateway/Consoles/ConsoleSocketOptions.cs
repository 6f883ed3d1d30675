namespace ZlhGrind.Gateway.Consoles;

/// <summary>Console WebSocket settings (section "ConsoleSocket"; README: "Console").</summary>
public sealed class ConsoleSocketOptions
{
    public const string SectionName = "ConsoleSocket";

    /// <summary>History sent on connect when the client names no offset.</summary>
    public int DefaultHistoryBytes { get; set; } = 64 * 1024;

    /// <summary>The largest frame a client may send (a 1 KiB command with JSON escapes fits).</summary>
    public int MaxClientFrameBytes { get; set; } = 8 * 1024;

    /// <summary>Live chunks queued per socket; past it the oldest are dropped and read back as history.</summary>
    public int QueuedChunks { get; set; } = 256;

    /// <summary>How long before the session ends the socket asks the client for a fresh ticket.</summary>
    public TimeSpan ReauthLead { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Terminal input bytes one socket may send per second (a second's worth at once); more is refused with an error frame.</summary>
    public int InputBytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>How long a socket the server closed waits for the client's answering close before it cuts the connection.</summary>
    public TimeSpan CloseHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The session lifetime assumed when the caller's token carries no expiry.</summary>
    public TimeSpan DefaultSessionLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Checks the <c>ConsoleSocket</c> section at start.</summary>
internal sealed class ConsoleSocketOptionsValidator() : SectionValidator<ConsoleSocketOptions>(ConsoleSocketOptions.SectionName, static (options, failures) => failures
    .Between(nameof(options.DefaultHistoryBytes), options.DefaultHistoryBytes, 1, ZlhGrind.Grains.Consoles.ConsoleLimits.ChunkBytes)
    .Between(nameof(options.MaxClientFrameBytes), options.MaxClientFrameBytes, 1024, 1024 * 1024)
    .Positive(nameof(options.QueuedChunks), options.QueuedChunks)
    .Between(nameof(options.InputBytesPerSecond), options.InputBytesPerSecond, ZlhGrind.Grains.Consoles.ConsoleLimits.InputBytes, int.MaxValue)
    .Positive(nameof(options.ReauthLead), options.ReauthLead)
    .Positive(nameof(options.CloseHandshakeTimeout), options.CloseHandshakeTimeout)
    .Positive(nameof(options.DefaultSessionLifetime), options.DefaultSessionLifetime));
