using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1007: <c>[RequiresTenant]</c> that disagrees along an inheritance edge, in both directions (ILLink's IL2046,
/// IL2109, IL2116): a marked override or implementation of an unmarked member (calls through the base go unchecked);
/// an unmarked override or implementation of a marked member (direct calls go unchecked) — including an interface
/// satisfied by a method inherited from a base class, and getters and setters marked on their own; a type deriving
/// from a marked type without the attribute; and <c>[RequiresTenant]</c> on a static constructor, which the runtime
/// runs with no scope (refused rather than silencing the body).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RequiresTenantMismatchAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.RequiresTenantMismatch);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = TenantSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            // Symbol actions run once per declaration; every question about a base member from an assembly that cannot
            // see the runtime is answered "no" before any attribute is read.
            start.RegisterSymbolAction(c => AnalyzeMember(c, symbols), SymbolKind.Method, SymbolKind.Property, SymbolKind.Event);
            start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
        });
    }

    /// <summary>True when <paramref name="member"/> itself (or, for an accessor, its property) carries the attribute.</summary>
    private static bool Marked(ISymbol member, TenantSymbols symbols) =>
        symbols.HasRequiresTenant(member)
        || member is IMethodSymbol { AssociatedSymbol: { } property } && symbols.HasRequiresTenant(property);

    private static void AnalyzeMember(SymbolAnalysisContext context, TenantSymbols symbols)
    {
        var member = context.Symbol;
        if (member is IMethodSymbol { MethodKind: MethodKind.StaticConstructor } staticConstructor)
        {
            if (symbols.HasRequiresTenant(staticConstructor))
            {
                Report(context, member, $"[RequiresTenant] on static constructor '{Display.Enclosing(member)}' has no effect: the runtime runs it on first use, in whatever scope (or none) that happens; remove it and read tenant-scoped members where a scope is entered");
            }

            return;
        }

        if (member is IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation or MethodKind.PropertyGet or MethodKind.PropertySet) }
            || member.IsStatic && member.ContainingType?.TypeKind != TypeKind.Interface && !member.IsOverride && !IsStaticAbstractImplementation(member))
        {
            return;
        }

        var overridden = member switch
        {
            IMethodSymbol m => (ISymbol?)m.OverriddenMethod,
            IPropertySymbol p => p.OverriddenProperty,
            IEventSymbol e => e.OverriddenEvent,
            _ => null,
        };

        if (member.ContainingType is not { } type)
        {
            return;
        }

        if (type.TypeKind == TypeKind.Interface)
        {
            // A derived interface's explicit override (interface IB : IA { void IA.M() { } }) is the implementation every
            // class implementing IB without its own inherits: the same edge as a class's implementation.
            var explicitlyImplemented = ExplicitlyImplemented(member);
            if (!explicitlyImplemented.IsEmpty)
            {
                var markedInInterface = Marked(member, symbols);
                foreach (var implemented in explicitlyImplemented)
                {
                    Compare(context, member, implemented, markedInInterface, symbols);
                }
            }

            return;
        }

        var interfaces = type.AllInterfaces;

        // Most members override nothing and implement nothing: then there is no edge to compare, and no attribute is
        // read (reading one binds the member's attributes on this analyzer's account, under the compiler's threads).
        if (overridden is null && interfaces.IsEmpty)
        {
            return;
        }

        var marked = Marked(member, symbols);
        if (overridden is not null)
        {
            Compare(context, member, overridden, marked, symbols);
        }

        foreach (var implemented in interfaces)
        {
            if (!symbols.InTenantAwareAssembly(implemented) && !marked)
            {
                continue;
            }

            foreach (var interfaceMember in implemented.GetMembers(InterfaceName(member)))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMember), member))
                {
                    Compare(context, member, interfaceMember, marked, symbols);
                }
            }
        }
    }

    private static void Compare(SymbolAnalysisContext context, ISymbol member, ISymbol baseMember, bool marked, TenantSymbols symbols)
    {
        var baseScoped = symbols.IsTenantScoped(baseMember);
        if (marked && !baseScoped && !(member is IMethodSymbol { AssociatedSymbol: { } } && !symbols.HasRequiresTenant(member)))
        {
            Report(context, member, $"'{Display.Member(member)}' is marked [RequiresTenant] but '{Display.Member(baseMember)}' is not, so calls through '{Display.Member(baseMember)}' go unchecked; mark '{Display.Member(baseMember)}' with [RequiresTenant] too, or remove it here");
        }
        else if (!marked && baseScoped && symbols.InTenantAwareAssembly(baseMember)
                 && (member is IMethodSymbol { AssociatedSymbol: { } } ? OnlyAccessorMarked(baseMember, symbols) : DirectlyMarked(baseMember, symbols)))
        {
            Report(context, member, $"'{Display.Member(member)}' overrides or implements '{Display.Member(baseMember)}', which is marked [RequiresTenant], but is not marked itself, so direct calls to it go unchecked; mark '{Display.Member(member)}' with [RequiresTenant]");
        }
    }

    /// <summary>The base member's requirement comes from an attribute on it (or its interface), not from being an accessor.</summary>
    private static bool DirectlyMarked(ISymbol baseMember, TenantSymbols symbols)
    {
        for (var current = baseMember; current is not null; current = current switch
             {
                 IMethodSymbol m => m.OverriddenMethod,
                 IPropertySymbol p => p.OverriddenProperty,
                 IEventSymbol e => e.OverriddenEvent,
                 _ => null,
             })
        {
            if (symbols.HasRequiresTenant(current))
            {
                return true;
            }
        }

        return baseMember.ContainingType is { TypeKind: TypeKind.Interface } type && symbols.HasRequiresTenant(type);
    }

    /// <summary>
    /// The base member is a getter or setter marked on its own, its property not: only the accessor edge can report it
    /// (when the property is marked, the property's own edge does, once).
    /// </summary>
    private static bool OnlyAccessorMarked(ISymbol baseMember, TenantSymbols symbols) =>
        baseMember is IMethodSymbol { AssociatedSymbol: { } baseProperty } && symbols.HasRequiresTenant(baseMember)
        && !DirectlyMarked(baseProperty, symbols);

    private static ImmutableArray<ISymbol> ExplicitlyImplemented(ISymbol member) => member switch
    {
        IMethodSymbol m => ImmutableArray<ISymbol>.CastUp(m.ExplicitInterfaceImplementations),
        IPropertySymbol p => ImmutableArray<ISymbol>.CastUp(p.ExplicitInterfaceImplementations),
        IEventSymbol e => ImmutableArray<ISymbol>.CastUp(e.ExplicitInterfaceImplementations),
        _ => ImmutableArray<ISymbol>.Empty,
    };

    private static void AnalyzeType(SymbolAnalysisContext context, TenantSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return;
        }

        // The base is asked first: a base from an assembly that cannot see the runtime (object, framework types) ends it.
        if (type.BaseType is { } baseType && symbols.InTenantAwareAssembly(baseType) && symbols.HasRequiresTenant(baseType)
            && !symbols.HasRequiresTenant(type))
        {
            Report(context, type, $"'{Display.Member(type)}' derives from '{Display.Member(baseType)}', which is marked [RequiresTenant], so creating it runs the base's constructor; mark '{Display.Member(type)}' with [RequiresTenant] too");
        }

        // Interfaces satisfied by a member inherited from a base class: the member's own declaration is checked elsewhere.
        foreach (var implemented in type.AllInterfaces)
        {
            if (!symbols.InTenantAwareAssembly(implemented))
            {
                continue;
            }

            foreach (var interfaceMember in implemented.GetMembers())
            {
                if (interfaceMember is not (IMethodSymbol or IPropertySymbol or IEventSymbol) || interfaceMember.IsStatic
                    || type.FindImplementationForInterfaceMember(interfaceMember) is not { } implementation
                    || SymbolEqualityComparer.Default.Equals(implementation.ContainingType, type)
                    || implementation.ContainingType?.TypeKind == TypeKind.Interface)
                {
                    continue;
                }

                var marked = Marked(implementation, symbols);
                var required = symbols.IsTenantScoped(interfaceMember);
                if (marked != required && !(implementation is IMethodSymbol { AssociatedSymbol: { } }))
                {
                    Report(context, type, marked
                        ? $"'{Display.Member(type)}' implements '{Display.Member(interfaceMember)}' with inherited '{Display.Member(implementation)}', which is marked [RequiresTenant] while the interface member is not, so calls through the interface go unchecked; mark '{Display.Member(interfaceMember)}' with [RequiresTenant] too"
                        : $"'{Display.Member(type)}' implements '{Display.Member(interfaceMember)}', which is marked [RequiresTenant], with inherited '{Display.Member(implementation)}', which is not, so direct calls to it go unchecked; mark '{Display.Member(implementation)}' with [RequiresTenant]");
                }
            }
        }
    }

    private static bool IsStaticAbstractImplementation(ISymbol member) => member.IsStatic && member.ContainingType is { AllInterfaces.Length: > 0 };

    private static string InterfaceName(ISymbol member)
    {
        var name = member.Name;
        var dot = name.LastIndexOf('.');
        return dot >= 0 ? name.Substring(dot + 1) : name;
    }

    private static void Report(SymbolAnalysisContext context, ISymbol member, string message)
    {
        var location = member.Locations.Length > 0 ? member.Locations[0] : Location.None;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RequiresTenantMismatch, location, message));
    }
}
