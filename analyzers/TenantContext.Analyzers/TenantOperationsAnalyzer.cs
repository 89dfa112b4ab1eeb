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

            // A rule switched off for every file (severity 'none') adds no check, so costs nothing.
            var compilation = start.Compilation;
            bool On(string id) => !SwitchedOffRules.IsOff(compilation, id, start.CancellationToken);

            var checks = new OperationChecks();
            if (On(DiagnosticIds.RequiresTenant))
            {
                RequiresTenantCheck.Register(checks, symbols, compilation);
            }

            if (On(DiagnosticIds.TenantSingletonUse))
            {
                TenantSingletonCheck.Register(checks, symbols, compilation, start.Options, start.CancellationToken);
            }

            if (On(DiagnosticIds.ScopeNotDisposed))
            {
                ScopeDisposalCheck.Register(checks, symbols);
            }

            if (On(DiagnosticIds.ContextDoesNotFlow))
            {
                ContextFlowCheck.Register(checks, symbols);
            }

            if (On(DiagnosticIds.ResourceEscapesScope))
            {
                ResourceEscapeCheck.Register(checks, symbols);
            }

            if (On(DiagnosticIds.IgnoreQueryFilters))
            {
                IgnoreQueryFiltersCheck.Register(checks, symbols, compilation);
            }

            if (On(DiagnosticIds.WorkOutlivesScope))
            {
                WorkOutlivesScopeCheck.Register(checks, symbols);
            }

            checks.RegisterWith(start);
        });
    }
}
