using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1001: a tenant-scoped member (an accessor, <c>TenantContext.GetDb()</c> and friends, a <c>[RequiresTenant]</c>
/// member) used outside a tenant scope.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RequiresTenantAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.RequiresTenant);

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

            start.RegisterOperationAction(
                c => Analyze(c, ((IInvocationOperation)c.Operation).TargetMethod, symbols),
                OperationKind.Invocation);
            start.RegisterOperationAction(
                c => Analyze(c, ((IPropertyReferenceOperation)c.Operation).Property, symbols),
                OperationKind.PropertyReference);
            start.RegisterOperationAction(
                c => Analyze(c, ((IMethodReferenceOperation)c.Operation).Method, symbols),
                OperationKind.MethodReference);
            start.RegisterOperationAction(
                c => Analyze(c, ((IEventReferenceOperation)c.Operation).Event, symbols),
                OperationKind.EventReference);
            start.RegisterOperationAction(
                c => Analyze(c, ((IObjectCreationOperation)c.Operation).Constructor, symbols),
                OperationKind.ObjectCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, ISymbol? member, TenantSymbols symbols)
    {
        if (member is null || !symbols.IsTenantScoped(member))
        {
            return;
        }

        var operation = context.Operation;
        var model = operation.SemanticModel;
        if (model is null
            || TenantScopes.Classify(operation.Syntax, context.ContainingSymbol, model, symbols, context.CancellationToken) != UseKind.OutsideScope)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.RequiresTenant,
            operation.Syntax.GetLocation(),
            Display.Member(member),
            Display.Enclosing(context.ContainingSymbol)));
    }
}
