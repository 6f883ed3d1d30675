namespace ZlhGrind.Agent.DevEnvironment;

/// <summary>
/// The agent refused to touch a path in the dev user's home: a link, a foreign file or something else the user
/// could have planted to make the agent write or chown outside the home. An <see cref="IOException"/>, so the
/// dev workload reports it as the container's error like any other refusal of the machine.
/// </summary>
internal sealed class UnsafeUserPathException(string message) : IOException(message);
