namespace ZlhGrind.Silo.Authorization;

/// <summary>
/// The silo's outgoing filter. Calls to other grains and system targets carry the silo's proof, so the
/// receiving silo knows them as internal. Calls to clients (an agent's observer, a gateway's stream
/// subscription) leave without any caller proof: the request context flows with every call, and a client may
/// be a hostile tenant. The incoming filter already removed callers' secrets; this is the second door.
/// </summary>
internal sealed class SecretScrubbingFilter(SiloCallProof proof) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!context.TargetId.Type.IsClient())
        {
            RequestContext.Set(SiloCallProof.Key, proof.Value);
            try
            {
                await context.Invoke();
            }
            finally
            {
                RequestContext.Remove(SiloCallProof.Key);
            }

            return;
        }

        CallerSecrets.Remove();
        await context.Invoke();
    }
}
