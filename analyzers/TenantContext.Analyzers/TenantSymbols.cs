using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Tenancy.Analyzers;

/// <summary>
/// The runtime's types, resolved once per compilation by metadata name (the analyzers never reference the runtime
/// assembly), and the per-compilation answers to "is this member tenant-scoped?", cached per symbol.
/// </summary>
internal sealed class TenantSymbols
{
    private readonly ConcurrentDictionary<ISymbol, bool> _tenantScoped = new(SymbolEqualityComparer.Default);

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

    /// <summary>Resolves the runtime's types, or returns null when the compilation does not reference the runtime.</summary>
    public static TenantSymbols? Create(Compilation compilation)
    {
        var context = compilation.GetTypeByMetadataName("Tenancy.TenantContext");
        var scope = compilation.GetTypeByMetadataName("Tenancy.TenantScope");
        var requires = compilation.GetTypeByMetadataName("Tenancy.RequiresTenantAttribute");
        return context is null || scope is null || requires is null ? null : new TenantSymbols(compilation, context, scope, requires);
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
        member = member.OriginalDefinition;
        if (_tenantScoped.TryGetValue(member, out var known))
        {
            return known;
        }

        var result = ComputeTenantScoped(member);
        _tenantScoped.TryAdd(member, result);
        return result;
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

    public bool IsAccessor(IPropertySymbol property) =>
        property.IsStatic && property.ContainingType is { } type && HasAttribute(type, TenantAccessorsAttribute);

    private bool ComputeTenantScoped(ISymbol member)
    {
        var type = member.ContainingType;
        if (type is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type, TenantContext))
        {
            return member.Name is "GetDb" or "GetStorage" or "GetRenderer" or "Get" or "Current" or "Capture";
        }

        if (SymbolEqualityComparer.Default.Equals(type, TenantAccessor))
        {
            return member.Name == "Get";
        }

        if (member is IPropertySymbol property && IsAccessor(property))
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

        var staticLike = member.IsStatic || member is IMethodSymbol { MethodKind: MethodKind.Constructor };
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
