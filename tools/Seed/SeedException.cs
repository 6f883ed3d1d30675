namespace ZlhGrind.Tools.Seed;

/// <summary>An expected failure of seeding, told to the user in one line.</summary>
internal sealed class SeedException(string message) : Exception(message);
