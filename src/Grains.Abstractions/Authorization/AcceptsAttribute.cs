namespace ZlhGrind.Grains.Authorization;

/// <summary>Declares which caller kinds may invoke a grain method; a method without it is refused.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class AcceptsAttribute(CallerKind callers) : Attribute
{
    public CallerKind Callers { get; } = callers;
}
