using System.Reflection;
using System.Reflection.Emit;
using ZlhGrind.Agent.Supervision;

namespace ZlhGrind.Agent.Tests;

/// <summary>
/// The agent's folders depend on each other in one direction only. Every namespace a type of the agent uses — in its
/// base type, interfaces, fields, properties, method signatures and method bodies (the IL's type, field and method
/// tokens, async state machines and lambdas included) — is an edge; a cycle among the agent's namespaces fails.
/// </summary>
public sealed class NamespaceDependencyTests
{
    private const string Root = "ZlhGrind.Agent";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    [Fact]
    public void AgentAssembly_NamespaceGraph_HasNoCycles()
    {
        var graph = DependencyGraph(typeof(RestartPolicy).Assembly);

        var cycles = StronglyConnected(graph).Where(component => component.Count > 1).Select(Describe).ToList();

        Assert.Equal(string.Empty, string.Join(Environment.NewLine, cycles));
    }

    [Fact]
    public void DependencyGraph_TypeNamedOnlyInAMethodBody_IsAnEdge()
    {
        // This namespace names the agent's Supervision only inside a method body (typeof(RestartPolicy) above):
        // the scan must see that edge, or a cycle made of calls alone would pass.
        var graph = DependencyGraph(typeof(NamespaceDependencyTests).Assembly);

        Assert.Contains("ZlhGrind.Agent.Supervision", graph["ZlhGrind.Agent.Tests"]);
    }

    [Fact]
    public void StronglyConnected_TwoWayEdge_IsReportedAsACycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        var cycles = StronglyConnected(graph).Where(component => component.Count > 1).Select(Describe).ToList();

        Assert.Equal(["A <-> B <-> C"], cycles);
    }

    private static string Describe(List<string> component) => string.Join(" <-> ", component.Order(StringComparer.Ordinal));

    private static Dictionary<string, HashSet<string>> DependencyGraph(Assembly assembly)
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not { } from || !InScope(from))
            {
                continue;
            }

            if (!graph.TryGetValue(from, out var edges))
            {
                graph[from] = edges = [];
            }

            foreach (var used in UsedTypes(type))
            {
                foreach (var target in Flatten(used))
                {
                    if (target.Namespace is { } to && to != from && InScope(to))
                    {
                        edges.Add(to);
                    }
                }
            }
        }

        return graph;
    }

    private static bool InScope(string ns) => ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal);

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var face in type.GetInterfaces())
        {
            yield return face;
        }

        foreach (var field in type.GetFields(All))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(All))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var used in BodyTypes(method))
            {
                yield return used;
            }
        }
    }

    /// <summary>The types the IL of <paramref name="method"/> names through tokens (calls, fields, casts, allocations).</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method is MethodInfo { IsGenericMethod: true } ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[position++]);
            }

            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                    if (member is Type named)
                    {
                        yield return named;
                    }
                    else if (member?.DeclaringType is { } owner)
                    {
                        yield return owner;
                        if (member is MethodInfo { IsGenericMethod: true } generic)
                        {
                            foreach (var argument in generic.GetGenericArguments())
                            {
                                yield return argument;
                            }
                        }
                    }

                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                default:
                    position += OperandSize(code.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };

    /// <summary>A type with its element type and generic arguments, so <c>List&lt;Foo&gt;</c> and <c>Foo[]</c> count as <c>Foo</c>.</summary>
    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType)
        {
            foreach (var inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }

            yield break;
        }

        if (type.IsGenericParameter)
        {
            yield break;
        }

        yield return type;
        if (type.IsGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return inner;
            }
        }
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next) && index.TryGetValue(next, out var nextIndex))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }
}
