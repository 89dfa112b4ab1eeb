using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Tenancy.Analyzers;

/// <summary>
/// The runtime's types, resolved once per compilation by metadata name (the analyzers never reference the runtime
/// assembly), and the answers to "is this member tenant-scoped?". One instance per compilation is shared by all the
/// analyzers.
/// </summary>
/// <remarks>
/// Cost: most members a program uses live in assemblies that cannot know about tenants (the framework, third-party
/// libraries). Only the compilation itself and the assemblies that reference the runtime, directly or through
/// others, can declare a tenant-scoped member, so every question about a member from any other assembly is answered
/// "no" from its containing assembly, before any attribute is read. The answers are not cached: computing one reads
/// attributes Roslyn has already bound and cached, which costs less than a shared dictionary's hashing, and under the
/// compiler's concurrent analysis (many threads on few cores) a shared cache's locks were where the analyzers waited.
/// </remarks>
internal sealed class TenantSymbols
{
    private const int LinearSearchLimit = 8;

    private static readonly ConditionalWeakTable<Compilation, Holder> s_perCompilation = new();

    private readonly IAssemblySymbol[] _tenantAware;
    private readonly HashSet<IAssemblySymbol>? _tenantAwareSet;

    /// <summary>Resolves the runtime's types once per compilation, however many analyzers start at the same time.</summary>
    private sealed class Holder
    {
        private readonly Lazy<TenantSymbols?> _value;

        public Holder(Compilation compilation) => _value = new Lazy<TenantSymbols?>(() => CreateCore(compilation), LazyThreadSafetyMode.ExecutionAndPublication);

        public TenantSymbols? Value => _value.Value;
    }

    private TenantSymbols(Compilation compilation, INamedTypeSymbol tenantContext, INamedTypeSymbol tenantScope, INamedTypeSymbol requiresTenant)
    {
        Compilation = compilation;
        TenantContext = tenantContext;
        TenantScope = tenantScope;
        RequiresTenantAttribute = requiresTenant;
        TenantSnapshot = compilation.GetTypeByMetadataName("Tenancy.TenantSnapshot");
        TenantAccessor = compilation.GetTypeByMetadataName("Tenancy.TenantAccessor");
        TenantAccessorsAttribute = compilation.GetTypeByMetadataName("Tenancy.TenantAccessorsAttribute");
        CrossTenantAttribute = compilation.GetTypeByMetadataName("Tenancy.CrossTenantAttribute");
        TenantSingletonAttribute = compilation.GetTypeByMetadataName("Tenancy.TenantSingletonAttribute");
        TenantOwned = compilation.GetTypeByMetadataName("Tenancy.ITenantOwned");
        if (TenantOwned is not null)
        {
            DbSet = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.DbSet`1");
            DbContext = compilation.GetTypeByMetadataName("Microsoft.EntityFrameworkCore.DbContext");
        }

        _tenantAware = TenantAwareAssemblies(compilation, tenantContext.ContainingAssembly);
        _tenantAwareSet = _tenantAware.Length > LinearSearchLimit ? new HashSet<IAssemblySymbol>(_tenantAware, SymbolEqualityComparer.Default) : null;
    }

    public Compilation Compilation { get; }
    public INamedTypeSymbol TenantContext { get; }
    public INamedTypeSymbol TenantScope { get; }
    public INamedTypeSymbol RequiresTenantAttribute { get; }
    public INamedTypeSymbol? TenantSnapshot { get; }
    public INamedTypeSymbol? TenantAccessor { get; }
    public INamedTypeSymbol? TenantAccessorsAttribute { get; }
    public INamedTypeSymbol? CrossTenantAttribute { get; }
    public INamedTypeSymbol? TenantSingletonAttribute { get; }
    public INamedTypeSymbol? TenantOwned { get; }

    /// <summary>EF Core's <c>DbSet&lt;T&gt;</c>, when EF Core is referenced (matched by metadata name).</summary>
    public INamedTypeSymbol? DbSet { get; }

    /// <summary>EF Core's <c>DbContext</c>, when EF Core is referenced.</summary>
    public INamedTypeSymbol? DbContext { get; }

    /// <summary>
    /// The assemblies other than the compilation's own whose members may be tenant-scoped or marked (the runtime and
    /// every referenced assembly that references it).
    /// </summary>
    public IEnumerable<IAssemblySymbol> TenantAwareReferences
    {
        get
        {
            foreach (var assembly in _tenantAware)
            {
                if (!SymbolEqualityComparer.Default.Equals(assembly, Compilation.Assembly))
                {
                    yield return assembly;
                }
            }
        }
    }

    /// <summary>
    /// Resolves the runtime's types, or returns null when the compilation does not reference the runtime. Resolved
    /// once per compilation and shared by every analyzer (so are the per-symbol caches).
    /// </summary>
    public static TenantSymbols? Create(Compilation compilation) =>
        s_perCompilation.GetValue(compilation, static c => new Holder(c)).Value;

    private static TenantSymbols? CreateCore(Compilation compilation)
    {
        var context = compilation.GetTypeByMetadataName("Tenancy.TenantContext");
        var scope = compilation.GetTypeByMetadataName("Tenancy.TenantScope");
        var requires = compilation.GetTypeByMetadataName("Tenancy.RequiresTenantAttribute");
        return context is null || scope is null || requires is null ? null : new TenantSymbols(compilation, context, scope, requires);
    }

    /// <summary>
    /// False when <paramref name="symbol"/> comes from an assembly that cannot see the runtime (so it can carry none of
    /// its attributes and is none of its members): the cheap first question of every hot path.
    /// </summary>
    public bool InTenantAwareAssembly(ISymbol symbol)
    {
        var assembly = symbol.ContainingAssembly;
        if (assembly is null)
        {
            return true;
        }

        if (_tenantAwareSet is not null)
        {
            return _tenantAwareSet.Contains(assembly);
        }

        foreach (var aware in _tenantAware)
        {
            if (ReferenceEquals(aware, assembly) || SymbolEqualityComparer.Default.Equals(aware, assembly))
            {
                return true;
            }
        }

        return false;
    }

    private static IAssemblySymbol[] TenantAwareAssemblies(Compilation compilation, IAssemblySymbol runtime)
    {
        var known = new Dictionary<IAssemblySymbol, bool>(SymbolEqualityComparer.Default);
        var aware = new List<IAssemblySymbol> { compilation.Assembly };
        if (!SymbolEqualityComparer.Default.Equals(runtime, compilation.Assembly))
        {
            aware.Add(runtime);
        }

        foreach (var referenced in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (!SymbolEqualityComparer.Default.Equals(referenced, runtime) && SeesRuntime(referenced, runtime, known))
            {
                aware.Add(referenced);
            }
        }

        return aware.ToArray();
    }

    /// <summary>True when <paramref name="assembly"/> is the runtime or references it, directly or through others.</summary>
    private static bool SeesRuntime(IAssemblySymbol assembly, IAssemblySymbol runtime, Dictionary<IAssemblySymbol, bool> known)
    {
        if (SymbolEqualityComparer.Default.Equals(assembly, runtime))
        {
            return true;
        }

        if (known.TryGetValue(assembly, out var answer))
        {
            return answer;
        }

        known[assembly] = false; // reference cycles end here
        foreach (var module in assembly.Modules)
        {
            foreach (var referenced in module.ReferencedAssemblySymbols)
            {
                if (SeesRuntime(referenced, runtime, known))
                {
                    known[assembly] = true;
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True for an invocation target that enters a scope: any method named Enter returning TenantScope.</summary>
    public bool IsEnter(IMethodSymbol method) =>
        method.Name == "Enter" && SymbolEqualityComparer.Default.Equals(method.ReturnType, TenantScope);

    /// <summary>True for <c>TenantContext.Run/RunAsync</c> and <c>TenantSnapshot.Run/RunAsync</c>.</summary>
    public bool IsRun(IMethodSymbol method) =>
        method.Name is "Run" or "RunAsync"
        && (SymbolEqualityComparer.Default.Equals(method.ContainingType, TenantContext)
            || SymbolEqualityComparer.Default.Equals(method.ContainingType, TenantSnapshot));

    public bool IsIsActive(ISymbol? symbol) =>
        symbol is IPropertySymbol { Name: "IsActive" } p && SymbolEqualityComparer.Default.Equals(p.ContainingType, TenantContext);

    public bool IsTryGetCurrent(ISymbol? symbol) =>
        symbol is IMethodSymbol { Name: "TryGetCurrent" } m && SymbolEqualityComparer.Default.Equals(m.ContainingType, TenantContext);

    public bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute)
    {
        if (attribute is null)
        {
            return false;
        }

        foreach (var data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
            {
                return true;
            }
        }

        return false;
    }

    public bool HasRequiresTenant(ISymbol symbol) => HasAttribute(symbol, RequiresTenantAttribute);

    /// <summary>
    /// True for a generated accessor, one of <c>TenantContext.GetDb/GetStorage/GetRenderer/Get&lt;T&gt;/Current/Capture</c>,
    /// <c>TenantAccessor.Get&lt;T&gt;</c>, or a member whose requirement comes from <c>[RequiresTenant]</c> (on itself,
    /// a member it overrides, its property, or its type for constructors, static members and interface members).
    /// </summary>
    public bool IsTenantScoped(ISymbol member)
    {
        if (!InTenantAwareAssembly(member))
        {
            return false;
        }

        return ComputeTenantScoped(member.OriginalDefinition);
    }

    /// <summary>True for the members that hand out a tenant's resources (the values TC1005 follows).</summary>
    public bool IsResource(ISymbol member)
    {
        member = member.OriginalDefinition;
        switch (member)
        {
            case IMethodSymbol method when SymbolEqualityComparer.Default.Equals(method.ContainingType, TenantContext):
                return method.Name is "GetDb" or "GetStorage" or "GetRenderer" or "Get";
            case IMethodSymbol method when SymbolEqualityComparer.Default.Equals(method.ContainingType, TenantAccessor):
                return method.Name == "Get";
            case IPropertySymbol property:
                return IsAccessor(property);
            default:
                return false;
        }
    }

    /// <summary>
    /// True for a generated accessor: a static partial property of a <c>[TenantAccessors]</c> class (in source), or,
    /// from a referenced assembly, one carrying the generator's <c>[GeneratedCode("TenantContext.Generators", …)]</c>.
    /// An ordinary static property of such a class is an ordinary member.
    /// </summary>
    public bool IsAccessor(IPropertySymbol property)
    {
        if (!property.IsStatic || property.ContainingType is not { } type || !HasAttribute(type, TenantAccessorsAttribute))
        {
            return false;
        }

        if (property.IsPartialDefinition || property.PartialDefinitionPart is not null)
        {
            return true;
        }

        if (property.Locations.Length > 0 && property.Locations[0].IsInSource)
        {
            return false;
        }

        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "GeneratedCodeAttribute" }
                && attribute.ConstructorArguments.Length > 0
                && attribute.ConstructorArguments[0].Value is "TenantContext.Generators")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="type"/> is, implements, or is constrained to <c>ITenantOwned</c>.</summary>
    public bool IsTenantOwned(ITypeSymbol? type)
    {
        if (type is null || TenantOwned is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type, TenantOwned))
        {
            return true;
        }

        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsTenantOwned(constraint))
                {
                    return true;
                }
            }
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, TenantOwned))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for <c>DbSet&lt;T&gt;</c> (or a type derived from it) whose <c>T</c> is tenant-owned.</summary>
    public bool IsTenantOwnedSet(ITypeSymbol? type)
    {
        if (DbSet is null)
        {
            return false;
        }

        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, DbSet))
            {
                return IsTenantOwned(current.TypeArguments[0]);
            }
        }

        return false;
    }

    /// <summary>True for <c>DbContext.Set&lt;T&gt;()</c> with a tenant-owned <c>T</c> (EF's own assembly cannot see the runtime).</summary>
    public bool IsTenantOwnedSetCall(IMethodSymbol method) =>
        DbContext is not null && method.Name == "Set" && method.TypeArguments.Length == 1
        && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, DbContext)
        && IsTenantOwned(method.TypeArguments[0]);

    private bool ComputeTenantScoped(ISymbol member)
    {
        var type = member.ContainingType;
        if (type is null || member is IFieldSymbol { IsConst: true })
        {
            return false;
        }

        // [RequiresTenant] cannot be put on a field (its AttributeUsage): a field is tenant-scoped only as a static
        // field of a [RequiresTenant] type, so no attribute of the field itself is read.
        if (member is IFieldSymbol field)
        {
            return field.IsStatic && ContainerHasRequiresTenant(type, staticLike: true);
        }

        // Names first: most members are neither type's, and comparing a name costs less than comparing symbols.
        if (type.Name == TenantContext.Name && SymbolEqualityComparer.Default.Equals(type, TenantContext))
        {
            return member.Name is "GetDb" or "GetStorage" or "GetRenderer" or "Get" or "Current" or "Capture";
        }

        if (type.Name == TenantAccessor?.Name && SymbolEqualityComparer.Default.Equals(type, TenantAccessor))
        {
            return member.Name == "Get";
        }

        if (member is IPropertySymbol property && IsAccessor(property))
        {
            return true;
        }

        // Reading a DbSet<T> of a tenant-owned entity runs a query filtered on the current tenant (row-level isolation).
        if (DbSet is not null && member is IPropertySymbol { Type: var setType } && IsTenantOwnedSet(setType))
        {
            return true;
        }

        if (member is IMethodSymbol { AssociatedSymbol: IPropertySymbol or IEventSymbol } accessorMethod)
        {
            if (HasRequiresTenant(accessorMethod))
            {
                return true;
            }

            return IsTenantScoped(accessorMethod.AssociatedSymbol!);
        }

        for (var current = member; current is not null; current = Overridden(current))
        {
            if (HasRequiresTenant(current))
            {
                return true;
            }
        }

        return ContainerHasRequiresTenant(type, staticLike: member.IsStatic || member is IMethodSymbol { MethodKind: MethodKind.Constructor });
    }

    /// <summary>A static member or constructor obliges through any containing type's [RequiresTenant]; an instance member only through an interface's.</summary>
    private bool ContainerHasRequiresTenant(INamedTypeSymbol type, bool staticLike)
    {
        for (var container = type; container is not null; container = container.ContainingType)
        {
            if ((staticLike || container.TypeKind == TypeKind.Interface) && HasRequiresTenant(container))
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? Overridden(ISymbol symbol) => symbol switch
    {
        IMethodSymbol m => m.OverriddenMethod,
        IPropertySymbol p => p.OverriddenProperty,
        IEventSymbol e => e.OverriddenEvent,
        _ => null,
    };

    /// <summary>
    /// True when the member (a method, an accessor's property, a local function or lambda) or one of its containing
    /// types carries <paramref name="attribute"/>.
    /// </summary>
    public bool MemberOrTypeHas(ISymbol? symbol, INamedTypeSymbol? attribute)
    {
        if (attribute is null)
        {
            return false;
        }

        for (var current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current is INamespaceSymbol)
            {
                return false;
            }

            if (HasAttribute(current, attribute))
            {
                return true;
            }

            if (current is IMethodSymbol { AssociatedSymbol: { } associated } && HasAttribute(associated, attribute))
            {
                return true;
            }
        }

        return false;
    }
}
