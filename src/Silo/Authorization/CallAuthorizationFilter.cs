using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ZlhGrind.Grains.Authorization;

namespace ZlhGrind.Silo.Authorization;

/// <summary>
/// Enforces <see cref="AcceptsAttribute"/> on every call into a ZlhGrind grain (DESIGN §4): gateways prove
/// the service key, agents prove their container's credential and may only call that container's grain,
/// operators are gateways that assert the operator role, and other grains of the cluster are internal.
/// </summary>
internal sealed partial class CallAuthorizationFilter : IIncomingGrainCallFilter
{
    private static readonly string ContractNamespace = typeof(AcceptsAttribute).Namespace!.Split('.')[0] + ".";

    private readonly ConcurrentDictionary<MethodInfo, CallerKind?> _accepted = new();
    private readonly ConcurrentDictionary<string, bool> _rejectionsLogged = new(StringComparer.Ordinal);
    private readonly byte[] _serviceKeyHash;
    private readonly ILogger<CallAuthorizationFilter> _logger;

    public CallAuthorizationFilter(IOptions<ClusterSecurityOptions> options, ILogger<CallAuthorizationFilter> logger)
    {
        _serviceKeyHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ServiceKey));
        _logger = logger;
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var method = context.InterfaceMethod;

        // Orleans' own interfaces (reminders, streams, management) are not ours to police.
        if (method.DeclaringType?.Namespace?.StartsWith(ContractNamespace, StringComparison.Ordinal) != true)
        {
            return context.Invoke();
        }

        var accepted = _accepted.GetOrAdd(method, static m => m.GetCustomAttribute<AcceptsAttribute>()?.Callers);
        if (accepted is { } callers && (callers & Identify(context)) != 0)
        {
            return context.Invoke();
        }

        return Reject(context, accepted);
    }

    private CallerKind Identify(IIncomingGrainCallContext context)
    {
        if (context.SourceId is { } source && !source.Type.IsClient())
        {
            return CallerKind.Internal;
        }

        var kinds = CallerKind.None;
        if (RequestContext.Get(CallContextKeys.ServiceKey) is string key && IsServiceKey(key))
        {
            kinds |= CallerKind.Gateway;
            if (RequestContext.Get(CallContextKeys.Operator) is true)
            {
                kinds |= CallerKind.Operator;
            }
        }

        if (RequestContext.Get(CallContextKeys.AgentContainerId) is long agentFor
            && RequestContext.Get(CallContextKeys.AgentCredential) is string credential
            && context.TargetContext.GrainInstance is IAgentCredentialHolder holder
            && context.TargetId.GetIntegerKey() == agentFor
            && holder.IsAgentCredential(credential))
        {
            kinds |= CallerKind.Agent;
        }

        return kinds;
    }

    private bool IsServiceKey(string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _serviceKeyHash);

    private Task Reject(IIncomingGrainCallContext context, CallerKind? accepted)
    {
        var what = $"{context.InterfaceName}.{context.MethodName}";
        var message = accepted is null
            ? $"{what} declares no accepted callers and is refused."
            : $"{what} accepts {accepted} callers only; this caller did not prove to be one.";

        // Logged once per method and caller shape so a misbehaving agent cannot flood the log.
        var shape = what + "|" + (RequestContext.Get(CallContextKeys.AgentContainerId) is long ? "agent" : "other");
        if (_rejectionsLogged.TryAdd(shape, true))
        {
            LogRejected(_logger, what, context.TargetId.ToString(), RequestContext.Get(CallContextKeys.AgentContainerId) as long?);
        }

        throw new CallerRejectedException(message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused call {Method} on {Grain} (agent of {AgentContainerId})")]
    private static partial void LogRejected(ILogger logger, string method, string grain, long? agentContainerId);
}
