namespace ZlhGrind.Agent.Processes;

/// <summary>The shim could not start the server (bad working directory, no FIFO support, no shell).</summary>
internal sealed class ServerLaunchException : Exception
{
    public ServerLaunchException()
    {
    }

    public ServerLaunchException(string message)
        : base(message)
    {
    }

    public ServerLaunchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
