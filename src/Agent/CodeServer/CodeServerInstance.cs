using System.Diagnostics;

namespace ZlhGrind.Agent.CodeServer;

/// <summary>One code-server run the supervisor watches: started by it (<see cref="Child"/>) or adopted.</summary>
internal sealed class CodeServerInstance(CodeServerProcess process, Process? child, DateTimeOffset startedAt)
{
    public CodeServerProcess Process { get; } = process;

    public Process? Child { get; } = child;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile bool Stopping;

    public string? LastLine { get; set; }
}
