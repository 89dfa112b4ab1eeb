using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1007: an override or interface implementation marked <c>[RequiresTenant]</c> whose base or interface member is
/// not — calls made through the base member are checked against the base, so the requirement would go unchecked.
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
            // The rule is about source members marked [RequiresTenant]: none exist unless some source file names it.
            if (symbols is null || !symbols.SourceMentions("RequiresTenant"))
            {
                return;
            }

            start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.Method, SymbolKind.Property, SymbolKind.Event);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, TenantSymbols symbols)
    {
        var member = context.Symbol;
        if (member is IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation) }
            || member.IsStatic && member.ContainingType?.TypeKind != TypeKind.Interface && !member.IsOverride && !IsStaticAbstractImplementation(member)
            || !symbols.HasRequiresTenant(member))
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

        if (overridden is not null && !symbols.IsTenantScoped(overridden))
        {
            Report(context, member, overridden);
        }

        var type = member.ContainingType;
        if (type is null)
        {
            return;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            foreach (var interfaceMember in implemented.GetMembers(InterfaceName(member)))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMember), member)
                    && !symbols.IsTenantScoped(interfaceMember))
                {
                    Report(context, member, interfaceMember);
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

    private static void Report(SymbolAnalysisContext context, ISymbol member, ISymbol baseMember)
    {
        var location = member.Locations.Length > 0 ? member.Locations[0] : Location.None;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.RequiresTenantMismatch, location, Display.Member(member), Display.Member(baseMember)));
    }
}
