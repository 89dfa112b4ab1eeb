using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1004: tenant-scoped code in callbacks that do not carry the ExecutionContext (and so not the tenant scope):
/// delegates given to <c>ThreadPool.UnsafeQueueUserWorkItem</c> or any <c>UnsafeRegister…</c>, and lambdas created
/// in an <c>ExecutionContext.SuppressFlow()</c> region. A callback that enters its own scope is fine.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ContextFlowAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ContextDoesNotFlow);

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

            start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
        });
    }

    private static bool IsExecutionContext(INamedTypeSymbol type) =>
        type is { Name: "ExecutionContext", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };

    private static void Analyze(OperationAnalysisContext context, TenantSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var name = invocation.TargetMethod.Name;
        if (name is "UnsafeQueueUserWorkItem" or "UnsafeRegister" or "UnsafeRegisterWaitForSingleObject")
        {
            var display = Display.Member(invocation.TargetMethod);
            foreach (var argument in invocation.Arguments)
            {
                var value = argument.Value;
                while (value is IConversionOperation conversion)
                {
                    value = conversion.Operand;
                }

                if (value is IDelegateCreationOperation creation)
                {
                    CheckCallback(context, creation.Target, display, symbols);
                }
                else if (value is IAnonymousFunctionOperation function)
                {
                    CheckCallback(context, function, display, symbols);
                }
            }

            return;
        }

        if (name == "SuppressFlow" && IsExecutionContext(invocation.TargetMethod.ContainingType)
            && invocation.SemanticModel is { } model)
        {
            foreach (var region in SuppressedRegion(invocation.Syntax))
            {
                foreach (var lambda in region.DescendantNodesAndSelf())
                {
                    if (lambda is AnonymousFunctionExpressionSyntax && model.GetOperation(lambda, context.CancellationToken) is { } operation)
                    {
                        CheckCallback(context, operation, "ExecutionContext.SuppressFlow()", symbols);
                    }
                }
            }
        }
    }

    /// <summary>The statements that run while the flow is suppressed.</summary>
    private static IEnumerable<SyntaxNode> SuppressedRegion(SyntaxNode suppress)
    {
        var node = suppress.Parent;
        while (node is ParenthesizedExpressionSyntax or EqualsValueClauseSyntax or VariableDeclaratorSyntax or VariableDeclarationSyntax)
        {
            node = node.Parent;
        }

        if (node is UsingStatementSyntax { Statement: { } body })
        {
            yield return body;
            yield break;
        }

        if (node is StatementSyntax statement && statement.Parent is BlockSyntax block)
        {
            var after = false;
            foreach (var sibling in block.Statements)
            {
                if (after)
                {
                    yield return sibling;
                }

                after |= sibling == statement;
            }
        }
    }

    private static void CheckCallback(OperationAnalysisContext context, IOperation callback, string source, TenantSymbols symbols)
    {
        if (callback is IMethodReferenceOperation reference)
        {
            if (symbols.IsTenantScoped(reference.Method))
            {
                Report(context, reference, reference.Method, source);
            }

            return;
        }

        if (callback is not IAnonymousFunctionOperation function || callback.SemanticModel is not { } model)
        {
            return;
        }

        foreach (var operation in function.Body.Descendants())
        {
            var member = operation switch
            {
                IInvocationOperation call => call.TargetMethod,
                IPropertyReferenceOperation property => property.Property,
                IMethodReferenceOperation method => method.Method,
                IObjectCreationOperation creation => (ISymbol?)creation.Constructor,
                _ => null,
            };

            if (member is not null && symbols.IsTenantScoped(member)
                && TenantScopes.Classify(operation.Syntax, null, model, symbols, context.CancellationToken, boundary: function.Syntax) == UseKind.OutsideScope)
            {
                Report(context, operation, member, source);
            }
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation at, ISymbol member, string source) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContextDoesNotFlow, at.Syntax.GetLocation(), Display.Member(member), source));
}
