namespace ZlhGrind.Grains.Containers;

/// <summary>The container does not exist or the caller may not see it (the two are deliberately indistinguishable).</summary>
[GenerateSerializer, Alias("zlh.ContainerNotFoundException")]
public sealed class ContainerNotFoundException : Exception
{
    public ContainerNotFoundException()
    {
    }

    public ContainerNotFoundException(long containerId)
        : base($"Container {containerId} was not found.")
    {
        ContainerId = containerId;
    }

    public ContainerNotFoundException(string message)
        : base(message)
    {
    }

    public ContainerNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [Id(0)]
    public long ContainerId { get; init; }
}

/// <summary>The request is well formed but conflicts with the container's current state (HTTP 409).</summary>
[GenerateSerializer, Alias("zlh.ContainerConflictException")]
public sealed class ContainerConflictException : Exception
{
    public ContainerConflictException()
    {
    }

    public ContainerConflictException(string message)
        : base(message)
    {
    }

    public ContainerConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A lifecycle transition the state machine does not allow.</summary>
[GenerateSerializer, Alias("zlh.InvalidTransitionException")]
public sealed class InvalidTransitionException : Exception
{
    public InvalidTransitionException()
    {
    }

    public InvalidTransitionException(string message)
        : base(message)
    {
    }

    public InvalidTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidTransitionException(string kind, string from, string to)
        : base($"A {kind} cannot go from {from} to {to}.")
    {
        From = from;
        To = to;
    }

    [Id(0)]
    public string From { get; init; } = "";

    [Id(1)]
    public string To { get; init; } = "";
}

/// <summary>Input that fails validation (HTTP 400); the message says what is wrong.</summary>
[GenerateSerializer, Alias("zlh.InvalidRequestException")]
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException()
    {
    }

    public InvalidRequestException(string message)
        : base(message)
    {
    }

    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
