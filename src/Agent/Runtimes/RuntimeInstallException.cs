namespace ZlhGrind.Agent.Runtimes;

/// <summary>An expected install failure with a reason fit to show to the container's owner.</summary>
internal sealed class RuntimeInstallException : Exception
{
    public RuntimeInstallException(InstallFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    public RuntimeInstallException(InstallFailure failure, string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public InstallFailure Failure { get; }
}
