namespace ZlhGrind.Grains.Authorization;

/// <summary>Raised when a caller is not allowed to invoke a grain method.</summary>
[GenerateSerializer]
[Alias("zlh.CallerRejectedException")]
public sealed class CallerRejectedException : UnauthorizedAccessException
{
    public CallerRejectedException()
    {
    }

    public CallerRejectedException(string message)
        : base(message)
    {
    }

    public CallerRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
