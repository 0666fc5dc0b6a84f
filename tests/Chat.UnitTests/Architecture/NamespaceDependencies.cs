using System.Reflection;
using System.Reflection.Emit;

namespace Chat.UnitTests.Architecture;

/// <summary>
/// Which namespaces of one assembly use which, read from the compiled assembly: every type's
/// base, interfaces, fields, signatures and the members its method bodies touch (so lambdas,
/// async state machines and local functions count for the namespace that wrote them). Reading
/// the IL rather than the <c>using</c> lines catches a fully qualified name and a type reached
/// through a parent namespace, both of which a using-based check misses.
/// </summary>
public sealed class NamespaceDependencies
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly Assembly _assembly;
    private readonly string _root;

    // namespace → (namespace it uses → one example "user → used" pair, for the failure message)
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    private NamespaceDependencies(Assembly assembly, string root)
    {
        _assembly = assembly;
        _root = root;
    }

    /// <summary>The dependencies between the namespaces under <paramref name="root"/> in <paramref name="assembly"/>.</summary>
    public static NamespaceDependencies Of(Assembly assembly, string root)
    {
        var dependencies = new NamespaceDependencies(assembly, root);
        foreach (var type in assembly.GetTypes())
        {
            dependencies.Visit(type);
        }
        return dependencies;
    }

    public IReadOnlyCollection<string> Namespaces => _edges.Keys;

    /// <summary>The namespaces <paramref name="from"/> uses, each with an example of the use.</summary>
    public IReadOnlyDictionary<string, string> UsedBy(string from) =>
        _edges.TryGetValue(from, out var used) ? used : new Dictionary<string, string>();

    /// <summary>Every cycle between namespaces, each as the path that closes it ("A → B → A").</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var cycles = new List<IReadOnlyList<string>>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);

        void Walk(string node)
        {
            path.Add(node);
            onPath.Add(node);
            foreach (var next in UsedBy(node).Keys.Order(StringComparer.Ordinal))
            {
                if (onPath.Contains(next))
                {
                    cycles.Add([.. path.Skip(path.IndexOf(next)), next]);
                }
                else if (!done.Contains(next))
                {
                    Walk(next);
                }
            }
            path.RemoveAt(path.Count - 1);
            onPath.Remove(node);
            done.Add(node);
        }

        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!done.Contains(node))
            {
                Walk(node);
            }
        }
        return cycles;
    }

    private void Visit(Type type)
    {
        var from = NamespaceOf(type);
        if (from is null)
        {
            return;
        }
        _edges.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
        Use(type, type.BaseType);
        foreach (var implemented in type.GetInterfaces())
        {
            Use(type, implemented);
        }
        foreach (var field in type.GetFields(Everything))
        {
            Use(type, field.FieldType);
        }
        foreach (var property in type.GetProperties(Everything))
        {
            Use(type, property.PropertyType);
        }
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
            {
                Use(type, info.ReturnType);
            }
            foreach (var parameter in method.GetParameters())
            {
                Use(type, parameter.ParameterType);
            }
            VisitBody(type, method);
        }
    }

    private void VisitBody(Type type, MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return;
        }
        var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    UseMember(type, method.Module.ResolveMember(token, typeArguments, methodArguments));
                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                default:
                    at += OperandSize(opCode.OperandType);
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

    private void UseMember(Type user, MemberInfo? member)
    {
        switch (member)
        {
            case Type used:
                Use(user, used);
                break;
            case FieldInfo field:
                Use(user, field.DeclaringType);
                Use(user, field.FieldType);
                break;
            case MethodBase method:
                Use(user, method.DeclaringType);
                if (method is MethodInfo { IsGenericMethod: true } generic)
                {
                    foreach (var argument in generic.GetGenericArguments())
                    {
                        Use(user, argument);
                    }
                }
                break;
        }
    }

    private void Use(Type user, Type? used)
    {
        if (used is null)
        {
            return;
        }
        if (used.HasElementType)
        {
            Use(user, used.GetElementType());
            return;
        }
        if (used.IsGenericType && !used.IsGenericTypeDefinition)
        {
            foreach (var argument in used.GetGenericArguments())
            {
                Use(user, argument);
            }
            used = used.GetGenericTypeDefinition();
        }
        if (used.IsGenericParameter || used.Assembly != _assembly)
        {
            return;
        }
        var from = NamespaceOf(user);
        var to = NamespaceOf(used);
        if (from is null || to is null || from == to)
        {
            return;
        }
        _edges[from].TryAdd(to, $"{Outermost(user).Name} uses {Outermost(used).Name}");
    }

    /// <summary>The namespace a type was written in (a nested or generated type's is its outermost type's); null outside the root.</summary>
    private string? NamespaceOf(Type type)
    {
        var name = Outermost(type).Namespace;
        return name is not null && (name == _root || name.StartsWith(_root + ".", StringComparison.Ordinal)) ? name : null;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type;
    }
}
