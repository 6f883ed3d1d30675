using ZlhGrind.Grains.Consoles;

namespace ZlhGrind.Silo.Grains.Consoles;

/// <summary>A console's stored state: its bounded command audit, oldest first.</summary>
[GenerateSerializer]
public sealed class ConsoleAuditRecord
{
    [Id(0)]
    public List<ConsoleAuditEntry> Entries { get; set; } = [];
}
