using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Tests.TestSupport;

/// <summary>A fact that needs root (it creates a real user); skipped with the reason when the tests do not run as root. CI runs as root.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!CurrentUser.IsRoot)
        {
            Skip = "needs root: creates and deletes a real throwaway user (CI runs the tests as root)";
        }
    }
}
