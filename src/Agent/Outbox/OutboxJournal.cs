using Orleans.Serialization;
using ZlhGrind.Agent.Processes;
using ZlhGrind.Grains.Agents;

namespace ZlhGrind.Agent.Outbox;

/// <summary>
/// The outbox on disk, one Orleans-serialized event per line (base64), so events that were not
/// delivered survive an agent restart — a crash recorded while the cluster was down is not lost
/// when the agent dies too. Rewritten (atomically) when the grain acknowledges.
/// </summary>
internal sealed class OutboxJournal(string path, Serializer serializer)
{
    public string Path => path;

    /// <summary>What a previous agent process left undelivered; unreadable lines are skipped.</summary>
    public IReadOnlyList<AgentEvent> Load()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var events = new List<AgentEvent>();
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (serializer.Deserialize<AgentEvent>(Convert.FromBase64String(line)) is { } evt)
                {
                    events.Add(evt);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A torn last line (the agent died mid-write) or an event type this build does not know:
                // skip it rather than refuse to start.
            }
        }

        return events;
    }

    public void Append(AgentEvent evt)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.AppendAllText(path, Encode(evt) + "\n");
    }

    public void Rewrite(IEnumerable<AgentEvent> pending)
    {
        var lines = pending.Select(Encode).ToList();
        if (lines.Count == 0)
        {
            File.Delete(path);
            return;
        }

        AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    private string Encode(AgentEvent evt) => Convert.ToBase64String(serializer.SerializeToArray(evt));
}
