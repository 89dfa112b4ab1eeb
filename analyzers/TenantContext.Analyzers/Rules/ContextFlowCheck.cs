using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1004: tenant-scoped code in callbacks that do not carry the ExecutionContext (and so not the tenant scope):
/// delegates given to <c>ThreadPool.UnsafeQueueUserWorkItem</c> or any <c>UnsafeRegister…</c>, the start delegate of a
/// thread started with <c>Thread.UnsafeStart()</c>, and lambdas and method groups created in an
/// <c>ExecutionContext.SuppressFlow()</c> region (which <c>Undo()</c> or <c>RestoreFlow()</c> ends; the
/// <c>if (!ExecutionContext.IsFlowSuppressed()) ExecutionContext.SuppressFlow();</c> idiom is understood). A method
/// group of an ordinary method or local function declared in the same file is read one level deep. A callback that
/// enters its own scope is fine. One diagnostic per use, however many lambdas enclose it.
/// </summary>
internal static class ContextFlowCheck
{
    /// <summary>Adds the check of the calls that start work without the ExecutionContext, or suppress its flow.</summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols) =>
        checks.OnInvocation(
            ["UnsafeQueueUserWorkItem", "UnsafeRegister", "UnsafeRegisterWaitForSingleObject", "UnsafeStart", "SuppressFlow"],
            (c, invocation) => Analyze(c, invocation, symbols));

    private static bool IsThreadingType(INamedTypeSymbol? type, string name) =>
        type is not null && type.Name == name
        && type.ContainingNamespace is { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

    private static void Analyze(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        var name = invocation.TargetMethod.Name;
        switch (name)
        {
            case "UnsafeQueueUserWorkItem" or "UnsafeRegister" or "UnsafeRegisterWaitForSingleObject":
                var display = Display.Member(invocation.TargetMethod);
                foreach (var argument in invocation.Arguments)
                {
                    if (CallbackUses.Callback(argument.Value) is { } callback)
                    {
                        CheckCallback(context, callback, display, symbols);
                    }
                }

                return;

            case "UnsafeStart" when IsThreadingType(invocation.TargetMethod.ContainingType, "Thread") && invocation.Instance is { } thread:
                if (ThreadCreation(thread, context.CancellationToken) is { } creation)
                {
                    foreach (var argument in creation.Arguments)
                    {
                        if (CallbackUses.Callback(argument.Value) is { } start)
                        {
                            CheckCallback(context, start, "Thread.UnsafeStart()", symbols);
                        }
                    }
                }

                return;

            case "SuppressFlow" when IsThreadingType(invocation.TargetMethod.ContainingType, "ExecutionContext") && invocation.SemanticModel is { } model:
                foreach (var region in SuppressedRegion(invocation.Syntax))
                {
                    foreach (var callback in Callbacks(region, model, context.CancellationToken))
                    {
                        CheckCallback(context, callback, "ExecutionContext.SuppressFlow()", symbols);
                    }
                }

                return;
        }
    }

    /// <summary>The <c>new Thread(…)</c> a started thread came from: written in place, or the initializer of the local that holds it (same file).</summary>
    private static IObjectCreationOperation? ThreadCreation(IOperation thread, CancellationToken cancellationToken)
    {
        while (thread is IConversionOperation { Operand: { } operand })
        {
            thread = operand;
        }

        if (thread is IObjectCreationOperation creation)
        {
            return creation;
        }

        if (thread is ILocalReferenceOperation local && thread.SemanticModel is { } model)
        {
            foreach (var reference in local.Local.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == model.SyntaxTree
                    && reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value })
                {
                    return ThreadCreation(model.GetOperation(value, cancellationToken) ?? thread, cancellationToken) is { } found && found != thread ? found : null;
                }
            }
        }

        return null;
    }

    /// <summary>The outermost lambdas and the method groups created in <paramref name="region"/> (a nested lambda is part of the one that holds it).</summary>
    private static IEnumerable<IOperation> Callbacks(SyntaxNode region, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var node in region.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax))
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax:
                    if (model.GetOperation(node, cancellationToken) is { } lambda && CallbackUses.Callback(lambda) is { } function)
                    {
                        yield return function;
                    }

                    break;
                case IdentifierNameSyntax or MemberAccessExpressionSyntax when node.Parent is ArgumentSyntax or EqualsValueClauseSyntax or AssignmentExpressionSyntax:
                    if (model.GetOperation(node, cancellationToken) is { } group && CallbackUses.Callback(group) is IMethodReferenceOperation reference)
                    {
                        yield return reference;
                    }

                    break;
            }
        }
    }

    /// <summary>The statements that run while the flow is suppressed.</summary>
    private static IEnumerable<SyntaxNode> SuppressedRegion(SyntaxNode suppress)
    {
        var node = suppress.Parent;
        while (node is ParenthesizedExpressionSyntax or EqualsValueClauseSyntax or VariableDeclaratorSyntax or VariableDeclarationSyntax or ConditionalExpressionSyntax
               or AssignmentExpressionSyntax or ExpressionStatementSyntax { Parent: not BlockSyntax })
        {
            node = node.Parent;
        }

        if (node is UsingStatementSyntax { Statement: { } body })
        {
            foreach (var statement in UntilRestored(body is BlockSyntax block ? block.Statements : new SyntaxList<StatementSyntax>(body)))
            {
                yield return statement;
            }

            yield break;
        }

        if (node is not StatementSyntax suppressing)
        {
            yield break;
        }

        // 'if (!ExecutionContext.IsFlowSuppressed()) { ExecutionContext.SuppressFlow(); … }': the region goes on after the if.
        var restored = false;
        for (var current = suppressing; current?.Parent is BlockSyntax or IfStatementSyntax && !restored;)
        {
            if (current.Parent is BlockSyntax block)
            {
                foreach (var statement in UntilRestored(After(block.Statements, current)))
                {
                    yield return statement;
                }

                restored = EndsRegion(block.Statements, current);
                current = block.Parent is IfStatementSyntax guard && MentionsIsFlowSuppressed(guard.Condition) ? guard : null;
            }
            else
            {
                var guard = (IfStatementSyntax)current.Parent!;
                current = MentionsIsFlowSuppressed(guard.Condition) ? guard : null;
            }
        }
    }

    private static IEnumerable<StatementSyntax> After(SyntaxList<StatementSyntax> statements, StatementSyntax statement)
    {
        var after = false;
        foreach (var sibling in statements)
        {
            if (after)
            {
                yield return sibling;
            }

            after |= sibling == statement;
        }
    }

    /// <summary>True when a statement after <paramref name="statement"/> restores the flow (so the region does not go on past the block).</summary>
    private static bool EndsRegion(SyntaxList<StatementSyntax> statements, StatementSyntax statement)
    {
        foreach (var sibling in After(statements, statement))
        {
            if (Restores(sibling) || sibling is TryStatementSyntax { Finally.Block: { } restoring } && Restores(restoring))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The statements up to the one that ends the suppression (<c>Undo()</c>, <c>RestoreFlow()</c>); a try whose finally ends it contributes its body.</summary>
    private static IEnumerable<SyntaxNode> UntilRestored(IEnumerable<StatementSyntax> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is ExpressionStatementSyntax && Restores(statement))
            {
                yield break;
            }

            if (statement is TryStatementSyntax { Finally.Block: { } final } tryStatement && Restores(final))
            {
                yield return tryStatement.Block;
                foreach (var handler in tryStatement.Catches)
                {
                    yield return handler;
                }

                yield break;
            }

            yield return statement;
        }
    }

    /// <summary>True when <paramref name="node"/> calls <c>Undo()</c> or <c>RestoreFlow()</c> (directly or under an <c>if</c>).</summary>
    private static bool Restores(SyntaxNode node)
    {
        foreach (var invocation in node.DescendantNodesAndSelf(n => n is not AnonymousFunctionExpressionSyntax).OfType<InvocationExpressionSyntax>())
        {
            if (invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Undo" or "RestoreFlow" }
                or MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Undo" })
            {
                return true;
            }
        }

        return false;
    }

    private static bool MentionsIsFlowSuppressed(ExpressionSyntax condition)
    {
        foreach (var name in condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText == "IsFlowSuppressed")
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckCallback(OperationAnalysisContext context, IOperation callback, string source, TenantSymbols symbols)
    {
        foreach (var (at, member) in CallbackUses.Of(callback, symbols, context.CancellationToken))
        {
            Report(context, at, member, source);
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation at, ISymbol member, string source) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ContextDoesNotFlow, at.Syntax.GetLocation(), Display.Member(member), source));
}
