using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1006: EF Core's <c>IgnoreQueryFilters()</c> on a query of an <c>ITenantOwned</c> entity outside a member (or type,
/// lambda, local function) marked <c>[CrossTenant]</c>. EF Core is matched by metadata name, never referenced.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoreQueryFiltersAnalyzer : DiagnosticAnalyzer
{
    private const string ExtensionsType = "Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.IgnoreQueryFilters);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = TenantSymbols.Create(start.Compilation);
            var extensions = start.Compilation.GetTypeByMetadataName(ExtensionsType);
            if (symbols?.TenantOwned is null || extensions is null)
            {
                return;
            }

            start.RegisterOperationAction(c => Analyze(c, symbols, extensions), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, TenantSymbols symbols, INamedTypeSymbol extensions)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name != "IgnoreQueryFilters" || method.TypeArguments.Length != 1
            || !SymbolEqualityComparer.Default.Equals(method.ContainingType, extensions))
        {
            return;
        }

        var entity = method.TypeArguments[0];
        if (!IsTenantOwned(entity, symbols.TenantOwned!))
        {
            return;
        }

        for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
        {
            var function = parent switch
            {
                IAnonymousFunctionOperation lambda => (ISymbol)lambda.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };
            if (function is not null && symbols.HasAttribute(function, symbols.CrossTenantAttribute))
            {
                return;
            }
        }

        if (symbols.MemberOrTypeHas(context.ContainingSymbol, symbols.CrossTenantAttribute))
        {
            return;
        }

        var target = MarkTarget.For(invocation.Syntax, context.ContainingSymbol, symbols, requiresTenant: false, context.CancellationToken);
        var advice = target.CanMark
            ? $"mark {target.Text} with [CrossTenant] if that is intended"
            : "move it into a method marked [CrossTenant] if that is intended";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.IgnoreQueryFilters,
            invocation.Syntax.GetLocation(),
            target.Properties,
            entity.Name,
            advice));
    }

    private static bool IsTenantOwned(ITypeSymbol type, INamedTypeSymbol tenantOwned)
    {
        if (SymbolEqualityComparer.Default.Equals(type, tenantOwned))
        {
            return true;
        }

        if (type is ITypeParameterSymbol parameter)
        {
            foreach (var constraint in parameter.ConstraintTypes)
            {
                if (IsTenantOwned(constraint, tenantOwned))
                {
                    return true;
                }
            }
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, tenantOwned))
            {
                return true;
            }
        }

        return false;
    }
}
