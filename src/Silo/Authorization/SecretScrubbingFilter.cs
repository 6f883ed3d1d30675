using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Authorization;

/// <summary>
/// The request context flows with every call, also from a grain to a client's observer. A grain
/// serving a gateway call holds the service key in its context; hinting an agent's observer from
/// there would hand the key to a container that may be hostile. So calls to clients leave without
/// any caller proof.
/// </summary>
internal sealed class SecretScrubbingFilter : IOutgoingGrainCallFilter
{
    private static readonly string[] SecretKeys = [CallContextKeys.ServiceKey, CallContextKeys.Operator, CallContextKeys.AgentContainerId, CallContextKeys.AgentCredential];

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!context.TargetId.Type.IsClient())
        {
            await context.Invoke();
            return;
        }

        var saved = new object?[SecretKeys.Length];
        for (var i = 0; i < SecretKeys.Length; i++)
        {
            saved[i] = RequestContext.Get(SecretKeys[i]);
            RequestContext.Remove(SecretKeys[i]);
        }

        try
        {
            await context.Invoke();
        }
        finally
        {
            for (var i = 0; i < SecretKeys.Length; i++)
            {
                if (saved[i] is { } value)
                {
                    RequestContext.Set(SecretKeys[i], value);
                }
            }
        }
    }
}
