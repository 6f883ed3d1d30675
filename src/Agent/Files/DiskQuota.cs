namespace ZlhGrind.Agent.Files;

/// <summary>
/// A root's disk quota in bytes: usage is measured once when the root is opened and then kept by every operation of
/// the file manager, and each write reserves its bytes before they reach the disk (so a lying Content-Length, a zip
/// entry that declares less than it holds, or a copy of a large tree stops at the limit, not after it).
/// </summary>
internal sealed class DiskQuota(long? limitBytes, long usedBytes)
{
    private long _used = usedBytes;
    private long _limit = limitBytes ?? -1;

    /// <summary>The limit, or null for none.</summary>
    public long? Limit => Interlocked.Read(ref _limit) is var limit and >= 0 ? limit : null;

    /// <summary>Sets a new limit (a spec changed); what is used already stays counted.</summary>
    public void SetLimit(long? limitBytes) => Interlocked.Exchange(ref _limit, limitBytes ?? -1);

    /// <summary>The bytes counted as used now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Whether <paramref name="bytes"/> more would still fit (for refusals before the first byte).</summary>
    public bool Fits(long bytes) => Limit is not { } limit || Used + bytes <= limit;

    /// <summary>Counts <paramref name="bytes"/> as used, or throws <see cref="FileErrorCode.QuotaExceeded"/> and counts nothing.</summary>
    public void Reserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (Limit is { } limit && used + bytes > limit)
            {
                throw Exceeded(bytes);
            }

            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return;
            }
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> (a file deleted or replaced, a write undone).</summary>
    public void Release(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _used, -bytes);
        }
    }

    /// <summary>The refusal for <paramref name="bytes"/> that do not fit.</summary>
    public FileOperationException Exceeded(long bytes) =>
        new(FileErrorCode.QuotaExceeded, $"the disk quota of {Limit} bytes would be exceeded ({Used} used, {bytes} more needed)");
}
