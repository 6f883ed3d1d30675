using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Authorization;

/// <summary>
/// Authorizes every call that reaches a grain or system target of this silo (DESIGN §4), Orleans' own
/// interfaces included. ZlhGrind methods accept the callers their <see cref="AcceptsAttribute"/> names:
/// gateways prove the service key, agents prove their container's credential and may only call that
/// container's grain, operators are gateways that assert the operator role, and internal callers carry the
/// proof the silo's own outgoing filter adds. Everything else (management, stream pub/sub and queues,
/// reminders, the dashboard's grains, grain extensions) is open to gateways, operators and the silo itself
/// only — apart from the one target a plain client needs to connect. Once the caller is known its secrets
/// are removed from the request context, so they ride into no event, observer or onward call.
/// </summary>
internal sealed partial class CallAuthorizationFilter : IIncomingGrainCallFilter
{
    private const CallerKind Trusted = CallerKind.Gateway | CallerKind.Operator | CallerKind.Internal;

    private static readonly string ContractNamespace = typeof(AcceptsAttribute).Namespace!.Split('.')[0] + ".";

    /// <summary>
    /// Orleans targets any client calls on its own: the cluster manifest (grain types and interface versions),
    /// which a client fetches when it connects and polls after. It holds no tenant data.
    /// </summary>
    private static readonly HashSet<string> OpenToAnyClient = new(StringComparer.Ordinal)
    {
        "Orleans.Runtime.IClusterManifestSystemTarget",

        // A grain timer's tick: Orleans hands it to the grain itself as a local-only message that carries no request
        // context. Nothing can send one from outside: the grains do not implement the interface, so such a request
        // would reach no code.
        "Orleans.Runtime.IGrainTimerInvoker",
    };

    private readonly ConcurrentDictionary<MethodInfo, CallerKind?> _accepted = new();
    private readonly ConcurrentDictionary<string, bool> _rejectionsLogged = new(StringComparer.Ordinal);
    private readonly byte[] _serviceKeyHash;
    private readonly SiloCallProof _proof;
    private readonly ILogger<CallAuthorizationFilter> _logger;

    public CallAuthorizationFilter(IOptions<ClusterSecurityOptions> options, SiloCallProof proof, ILogger<CallAuthorizationFilter> logger)
    {
        _serviceKeyHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ServiceKey));
        _proof = proof;
        _logger = logger;
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var agentFor = RequestContext.Get(CallContextKeys.AgentContainerId) as long?;
        var caller = Identify(context, agentFor);
        CallerSecrets.Remove();

        var method = context.InterfaceMethod;
        var ours = method.DeclaringType?.Namespace?.StartsWith(ContractNamespace, StringComparison.Ordinal) == true;
        CallerKind? accepted;
        if (ours)
        {
            accepted = _accepted.GetOrAdd(method, static m => m.GetCustomAttribute<AcceptsAttribute>()?.Callers);
            if (accepted is { } callers && (callers & caller) != 0)
            {
                return context.Invoke();
            }
        }
        else
        {
            accepted = Trusted;
            if ((caller & Trusted) != 0 || OpenToAnyClient.Contains(method.DeclaringType?.FullName ?? ""))
            {
                return context.Invoke();
            }
        }

        return Reject(context, accepted, agentFor);
    }

    private CallerKind Identify(IIncomingGrainCallContext context, long? agentFor)
    {
        var kinds = CallerKind.None;
        if (RequestContext.Get(SiloCallProof.Key) is string proof && _proof.Matches(proof))
        {
            kinds |= CallerKind.Internal;
        }

        if (RequestContext.Get(CallContextKeys.ServiceKey) is string key && IsServiceKey(key))
        {
            kinds |= CallerKind.Gateway;
            if (RequestContext.Get(CallContextKeys.Operator) is true)
            {
                kinds |= CallerKind.Operator;
            }
        }

        if (agentFor is { } containerId
            && RequestContext.Get(CallContextKeys.AgentCredential) is string credential
            && context.TargetContext.GrainInstance is IAgentCredentialHolder holder
            && context.TargetId.GetIntegerKey() == containerId
            && holder.IsAgentCredential(credential))
        {
            kinds |= CallerKind.Agent;
        }

        return kinds;
    }

    private bool IsServiceKey(string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _serviceKeyHash);

    private Task Reject(IIncomingGrainCallContext context, CallerKind? accepted, long? agentFor)
    {
        var what = $"{context.InterfaceName}.{context.MethodName}";
        var message = accepted is null
            ? $"{what} declares no accepted callers and is refused."
            : $"{what} accepts {accepted} callers only; this caller did not prove to be one.";

        // Logged once per method and caller shape so a misbehaving agent cannot flood the log.
        var shape = what + "|" + (agentFor is null ? "other" : "agent");
        if (_rejectionsLogged.TryAdd(shape, true))
        {
            LogRejected(_logger, what, context.TargetId.ToString(), agentFor);
        }

        throw new CallerRejectedException(message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused call {Method} on {Grain} (agent of {AgentContainerId})")]
    private static partial void LogRejected(ILogger logger, string method, string grain, long? agentContainerId);
}
