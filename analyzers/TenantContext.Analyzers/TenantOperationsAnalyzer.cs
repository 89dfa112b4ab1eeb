using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tenancy.Analyzers;

/// <summary>
/// The rules that look at operations, in one analyzer: each rule's check (<c>Rules/*Check.cs</c>) adds the operations
/// it looks at to <see cref="OperationChecks"/>, which registers one action per operation kind. The compiler calls an
/// analyzer back once per matching operation and action, and that call, not the check behind it, is most of what a
/// cheap check costs: one analyzer for all the rules is called once per invocation instead of once per rule.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TenantOperationsAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.RequiresTenant,
        DiagnosticDescriptors.TenantSingletonUse,
        DiagnosticDescriptors.ScopeNotDisposed,
        DiagnosticDescriptors.ContextDoesNotFlow,
        DiagnosticDescriptors.ResourceEscapesScope,
        DiagnosticDescriptors.IgnoreQueryFilters,
        DiagnosticDescriptors.WorkOutlivesScope);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            // A compilation that cannot see the runtime stops here and registers nothing.
            var symbols = TenantSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            var checks = new OperationChecks();
            RequiresTenantCheck.Register(checks, symbols, start.Compilation); // TC1001
            TenantSingletonCheck.Register(checks, symbols, start.Compilation, start.Options, start.CancellationToken); // TC1002
            ScopeDisposalCheck.Register(checks, symbols); // TC1003
            ContextFlowCheck.Register(checks, symbols); // TC1004
            ResourceEscapeCheck.Register(checks, symbols); // TC1005
            IgnoreQueryFiltersCheck.Register(checks, symbols, start.Compilation); // TC1006
            WorkOutlivesScopeCheck.Register(checks, symbols); // TC1010
            checks.RegisterWith(start);
        });
    }
}
