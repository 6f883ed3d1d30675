using System.Data.Common;

namespace ZlhGrind.Silo.Hosting;

/// <summary>
/// Turns a grain call that failed because the database did not answer into an <see cref="OrleansException"/> the
/// caller can read, so a gateway answers 503 with <c>Retry-After</c> while storage is down (issue 17).
/// </summary>
/// <remarks>
/// Found by <c>PostgresRestartTests</c>: with PostgreSQL stopped, a write threw <c>NpgsqlException</c> /
/// <c>PostgresException</c>, which Orleans cannot serialize (no codec), so the caller got a
/// <c>CodecNotFoundException</c> instead and the API answered 500. The database's own message stays in the silo's log;
/// the caller learns only that storage is unavailable.
/// </remarks>
internal sealed partial class StorageOutageCallFilter(ILogger<StorageOutageCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (DatabaseFailure(exception) is { } database)
        {
            LogStorageUnavailable(logger, context.TargetId.ToString(), context.InterfaceMethod?.Name ?? "?", database.Message);
            throw Unavailable();
        }
    }

    /// <summary>What a caller learns of a database failure (the database's own exception cannot cross the wire).</summary>
    internal static OrleansException Unavailable() => new("Storage is unavailable; try again shortly.");

    /// <summary>The database exception in <paramref name="exception"/>'s chain, if the call failed for the database.</summary>
    internal static DbException? DatabaseFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException database)
            {
                return database;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage did not answer {GrainId}.{Method}; the caller gets a storage-unavailable error: {Reason}")]
    private static partial void LogStorageUnavailable(ILogger logger, string grainId, string method, string reason);
}
