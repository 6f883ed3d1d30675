namespace ZlhGrind.Tools.StandInIde;

/// <summary>The most recent requests, bounded so a long-running stand-in does not grow.</summary>
internal sealed class RequestLog(int capacity)
{
    private readonly Queue<RequestRecord> _records = new();
    private readonly Lock _gate = new();

    public void Add(RequestRecord record)
    {
        lock (_gate)
        {
            _records.Enqueue(record);
            while (_records.Count > capacity)
            {
                _records.Dequeue();
            }
        }
    }

    public IReadOnlyList<RequestRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }
}
