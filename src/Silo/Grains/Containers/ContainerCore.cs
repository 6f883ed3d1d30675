namespace ZlhGrind.Silo.Grains.Containers;

/// <summary>Stored facts every container grain keeps, whatever its kind. Versioned data: ids are never reused.</summary>
[GenerateSerializer]
internal sealed class ContainerCore
{
    [Id(0)]
    public string? OwnerId { get; set; }

    [Id(1)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SHA-256 of the agent credential; the credential itself is never stored.</summary>
    [Id(2)]
    public byte[]? AgentCredentialHash { get; set; }

    /// <summary>Generation of the desired spec; bumped on every portal action.</summary>
    [Id(3)]
    public long Generation { get; set; }

    /// <summary>The agent instance whose event sequence <see cref="AppliedSequence"/> belongs to.</summary>
    [Id(4)]
    public Guid AgentInstance { get; set; }

    [Id(5)]
    public long AppliedSequence { get; set; }

    [Id(6)]
    public string? LastError { get; set; }

    /// <summary>Events an agent had to drop from its full outbox, summed over its reports.</summary>
    [Id(7)]
    public long DroppedEvents { get; set; }

    /// <summary>Set once an agent has connected, so a re-activated grain knows to expect heartbeats.</summary>
    [Id(8)]
    public bool AgentEverConnected { get; set; }

    /// <summary>
    /// Live-event numbers up to this one are reserved by an activation; the next activation starts above it, so a
    /// number is never given twice though the numbers themselves are never written one by one.
    /// </summary>
    [Id(9)]
    public long EventSequenceCeiling { get; set; }

    /// <summary>Set while the container is being deleted (state <c>Deleting</c>): what was asked and when.</summary>
    [Id(10)]
    public DeletionRecord? Deletion { get; set; }

    public bool Exists => OwnerId is not null;
}

/// <summary>A deletion in progress: whether the data is kept, and when it was asked (the agent's grace counts from there).</summary>
[GenerateSerializer]
internal sealed class DeletionRecord
{
    [Id(0)]
    public bool KeepData { get; set; }

    [Id(1)]
    public DateTimeOffset RequestedAt { get; set; }

    [Id(2)]
    public string RequestedBy { get; set; } = "";
}
