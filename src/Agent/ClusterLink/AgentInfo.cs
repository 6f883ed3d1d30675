using System.Reflection;

namespace ZlhGrind.Agent.ClusterLink;

/// <summary>This agent process: a fresh instance id per start (the grain numbers events per instance), its version and start time.</summary>
internal sealed class AgentInfo(TimeProvider time)
{
    public Guid InstanceId { get; } = Guid.NewGuid();

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public string Version { get; } =
        typeof(AgentInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AgentInfo).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";
}
