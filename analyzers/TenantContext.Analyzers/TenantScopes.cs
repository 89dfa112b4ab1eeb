using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>Where a use sits relative to tenant scopes.</summary>
internal enum UseKind
{
    /// <summary>Not a use at all (<c>nameof</c>, attribute arguments).</summary>
    NotAUse,

    /// <summary>Lexically inside a tenant scope, a <c>[RequiresTenant]</c> member or a guard.</summary>
    InsideScope,

    /// <summary>Outside every scope.</summary>
    OutsideScope,
}

/// <summary>
/// Decides whether a place in code is inside a tenant scope, by walking its syntax ancestors once: using
/// statements and declarations of an Enter, the try of an Enter/try/finally-Dispose, lambdas given to Run/RunAsync,
/// IsActive guards, and <c>[RequiresTenant]</c> lambdas, local functions, members and types.
/// </summary>
internal static class TenantScopes
{
    public static UseKind Classify(SyntaxNode node, ISymbol? containingSymbol, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken, SyntaxNode? boundary = null)
    {
        var child = node;
        for (var parent = node.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            if (parent == boundary)
            {
                return UseKind.OutsideScope;
            }

            switch (parent)
            {
                case AttributeSyntax:
                case XmlNodeSyntax:
                    return UseKind.NotAUse;

                case InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } nameOf
                    when child != nameOf.Expression && OperationOf(nameOf, model, cancellationToken) is not IInvocationOperation:
                    return UseKind.NotAUse;

                case TypeOfExpressionSyntax:
                    return UseKind.NotAUse;

                case UsingStatementSyntax usingStatement when child == usingStatement.Statement:
                    if (IsEnter(usingStatement.Expression, model, symbols, cancellationToken)
                        || DeclaresEnter(usingStatement.Declaration, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } argument when child == argument.Expression:
                    if (OperationOf(invocation, model, cancellationToken) is IInvocationOperation run && symbols.IsRun(run.TargetMethod))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case IfStatementSyntax ifStatement when child == ifStatement.Statement:
                    if (IsGuard(ifStatement.Condition, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue:
                    if (IsGuard(conditional.Condition, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.LogicalAndExpression) && child == binary.Right:
                    if (IsGuard(binary.Left, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case TryStatementSyntax tryStatement when child == tryStatement.Block:
                    if (IsEnterTryFinally(tryStatement, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case BlockSyntax or SwitchSectionSyntax or CompilationUnitSyntax:
                    if (PrecedingStatementsEnterScope(parent, child, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case AnonymousFunctionExpressionSyntax lambda:
                    if (lambda is ParenthesizedLambdaExpressionSyntax { AttributeLists.Count: > 0 } or SimpleLambdaExpressionSyntax { AttributeLists.Count: > 0 }
                        && OperationOf(lambda, model, cancellationToken) is IAnonymousFunctionOperation lambdaOperation
                        && symbols.HasRequiresTenant(lambdaOperation.Symbol))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case LocalFunctionStatementSyntax { AttributeLists.Count: > 0 } localFunction:
                    if (model.GetDeclaredSymbol(localFunction, cancellationToken) is { } localSymbol && symbols.HasRequiresTenant(localSymbol))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case MemberDeclarationSyntax when parent is not GlobalStatementSyntax:
                    return InsideMember(containingSymbol, symbols) ? UseKind.InsideScope : UseKind.OutsideScope;
            }
        }

        return InsideMember(containingSymbol, symbols) ? UseKind.InsideScope : UseKind.OutsideScope;
    }

    private static bool InsideMember(ISymbol? containingSymbol, TenantSymbols symbols)
    {
        if (containingSymbol is null)
        {
            return false;
        }

        if (symbols.MemberOrTypeHas(containingSymbol, symbols.RequiresTenantAttribute))
        {
            return true;
        }

        // A tenant-scoped member (an accessor body, an override of a [RequiresTenant] member) may use others freely.
        return containingSymbol is IMethodSymbol or IPropertySymbol or IEventSymbol && symbols.IsTenantScoped(containingSymbol);
    }

    /// <summary>
    /// The operation of <paramref name="node"/>, without the implicit conversions and delegate creations that share
    /// its syntax. The analyzers ask the operation tree rather than <c>GetSymbolInfo</c>: the tree is already built for
    /// the operation actions, so this is a lookup, while symbol info takes the binder's own path (in an in-process
    /// experiment on the synthetic project, most of TC1001's cold-compiler time).
    /// </summary>
    private static IOperation? OperationOf(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(node, cancellationToken);
        while (operation is IConversionOperation { IsImplicit: true, Operand: { } operand } && operand.Syntax == node
               || operation is IDelegateCreationOperation { IsImplicit: true, Target: { } target } && target.Syntax == node)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IDelegateCreationOperation)operation).Target;
        }

        return operation;
    }

    /// <summary>True when <paramref name="expression"/> is an invocation of an Enter that returns a TenantScope.</summary>
    public static bool IsEnter(ExpressionSyntax? expression, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    continue;
                case AwaitExpressionSyntax awaited:
                    expression = awaited.Expression;
                    continue;
                case InvocationExpressionSyntax invocation:
                    var name = InvokedName(invocation);
                    if (name == "ConfigureAwait" && invocation.Expression is MemberAccessExpressionSyntax configured)
                    {
                        expression = configured.Expression;
                        continue;
                    }

                    return name == "Enter"
                        && OperationOf(invocation, model, cancellationToken) is IInvocationOperation enter
                        && symbols.IsEnter(enter.TargetMethod);
                default:
                    return false;
            }
        }
    }

    private static string? InvokedName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => null,
    };

    private static bool DeclaresEnter(VariableDeclarationSyntax? declaration, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        if (declaration is null)
        {
            return false;
        }

        foreach (var variable in declaration.Variables)
        {
            if (IsEnter(variable.Initializer?.Value, model, symbols, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsGuard(ExpressionSyntax condition, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        switch (condition)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return IsGuard(parenthesized.Expression, model, symbols, cancellationToken);
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.LogicalAndExpression):
                return IsGuard(binary.Left, model, symbols, cancellationToken) || IsGuard(binary.Right, model, symbols, cancellationToken);
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IsActive" } or IdentifierNameSyntax { Identifier.ValueText: "IsActive" }:
                return OperationOf(condition, model, cancellationToken) is IPropertyReferenceOperation isActive && symbols.IsIsActive(isActive.Property);
            case InvocationExpressionSyntax invocation when InvokedName(invocation) == "TryGetCurrent":
                return OperationOf(invocation, model, cancellationToken) is IInvocationOperation tryGet && symbols.IsTryGetCurrent(tryGet.TargetMethod);
            default:
                return false;
        }
    }

    private static bool IsNegatedGuard(ExpressionSyntax condition, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken) => condition switch
    {
        ParenthesizedExpressionSyntax parenthesized => IsNegatedGuard(parenthesized.Expression, model, symbols, cancellationToken),
        PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.LogicalNotExpression) => IsGuard(unary.Operand, model, symbols, cancellationToken),
        BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.LogicalOrExpression) =>
            IsNegatedGuard(binary.Left, model, symbols, cancellationToken) || IsNegatedGuard(binary.Right, model, symbols, cancellationToken),
        _ => false,
    };

    private static bool IsEarlyExit(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax => true,
        ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
        BlockSyntax block => block.Statements.Count > 0 && IsEarlyExit(block.Statements[block.Statements.Count - 1]),
        _ => false,
    };

    private static bool PrecedingStatementsEnterScope(SyntaxNode parent, SyntaxNode child, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        var statements = parent switch
        {
            BlockSyntax block => (IReadOnlyList<SyntaxNode>)block.Statements,
            SwitchSectionSyntax section => section.Statements,
            CompilationUnitSyntax unit => unit.Members,
            _ => Array.Empty<SyntaxNode>(),
        };

        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            if (statement == child)
            {
                return false;
            }

            if (statement is GlobalStatementSyntax global)
            {
                statement = global.Statement;
            }

            switch (statement)
            {
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } declaration
                    when DeclaresEnter(declaration.Declaration, model, symbols, cancellationToken):
                    return true;
                case IfStatementSyntax { Else: null } guard
                    when IsEarlyExit(guard.Statement) && IsNegatedGuard(guard.Condition, model, symbols, cancellationToken):
                    return true;
            }
        }

        return false;
    }

    private static bool IsEnterTryFinally(TryStatementSyntax tryStatement, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        if (tryStatement.Finally is null)
        {
            return false;
        }

        var statements = tryStatement.Parent switch
        {
            BlockSyntax block => (IReadOnlyList<SyntaxNode>)block.Statements,
            SwitchSectionSyntax section => section.Statements,
            GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } => unit.Members,
            _ => Array.Empty<SyntaxNode>(),
        };

        SyntaxNode self = tryStatement.Parent is GlobalStatementSyntax g ? g : tryStatement;
        for (var i = 0; i < statements.Count && statements[i] != self; i++)
        {
            var statement = statements[i] is GlobalStatementSyntax global ? global.Statement : statements[i];
            string? local = statement switch
            {
                LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Declaration.Variables.Count: 1 } declaration
                    when IsEnter(declaration.Declaration.Variables[0].Initializer?.Value, model, symbols, cancellationToken) =>
                    declaration.Declaration.Variables[0].Identifier.ValueText,
                ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment }
                    when IsEnter(assignment.Right, model, symbols, cancellationToken) => target.Identifier.ValueText,
                _ => null,
            };

            if (local is not null && DisposesLocal(tryStatement.Finally.Block, local))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DisposesLocal(BlockSyntax block, string local)
    {
        foreach (var invocation in block.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            var name = InvokedName(invocation);
            if (name is not ("Dispose" or "DisposeAsync"))
            {
                continue;
            }

            var receiver = invocation.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Expression,
                MemberBindingExpressionSyntax => (invocation.Parent as ConditionalAccessExpressionSyntax)?.Expression,
                _ => null,
            };

            if (receiver is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == local)
            {
                return true;
            }
        }

        return false;
    }
}
