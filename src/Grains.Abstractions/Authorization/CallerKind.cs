namespace ZlhGrind.Grains.Authorization;

/// <summary>The kinds of caller a grain method may accept; checked by the silo's incoming call filter.</summary>
[Flags]
public enum CallerKind
{
    None = 0,

    /// <summary>A gateway holding the service key.</summary>
    Gateway = 1,

    /// <summary>The agent of the container whose id is the grain key, proving its credential.</summary>
    Agent = 2,

    /// <summary>A gateway holding the service key and acting for a user with the operator role.</summary>
    Operator = 4,

    /// <summary>Another grain of this cluster (silo-internal calls only).</summary>
    Internal = 8,
}
