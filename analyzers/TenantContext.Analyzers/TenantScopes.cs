using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

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
                    if ((IsScope(usingStatement.Expression, model, symbols, cancellationToken)
                         || DeclaresEnter(usingStatement.Declaration, model, symbols, cancellationToken))
                        && !YieldsBefore(usingStatement.Statement, from: null, node, containingSymbol))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } argument when child == argument.Expression:
                    // Only the work delegate of Run/RunAsync runs inside; the other arguments are evaluated before it enters.
                    if (OperationOf(invocation, model, cancellationToken) is IInvocationOperation run && symbols.IsRun(run.TargetMethod)
                        && IsDelegateArgument(run, argument))
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

                case ElseClauseSyntax { Parent: IfStatementSyntax negated } when child == ((ElseClauseSyntax)parent).Statement:
                    if (IsNegatedGuard(negated.Condition, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue || child == conditional.WhenFalse:
                    if (child == conditional.WhenTrue
                            ? IsGuard(conditional.Condition, model, symbols, cancellationToken)
                            : IsNegatedGuard(conditional.Condition, model, symbols, cancellationToken))
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

                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.LogicalOrExpression) && child == binary.Right:
                    if (IsNegatedGuard(binary.Left, model, symbols, cancellationToken))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case TryStatementSyntax tryStatement when child == tryStatement.Block:
                    if (IsEnterTryFinally(tryStatement, model, symbols, cancellationToken)
                        && !YieldsBefore(tryStatement.Block, from: null, node, containingSymbol))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                case BlockSyntax or SwitchSectionSyntax or CompilationUnitSyntax:
                    if (PrecedingStatementsEnterScope(parent, child, model, symbols, cancellationToken) is { } scopeStart
                        && !YieldsBefore(parent, scopeStart, node, containingSymbol))
                    {
                        return UseKind.InsideScope;
                    }

                    break;

                // A clause of a query expression is a lambda too (where, select, orderby, let, a second from, join keys):
                // over IQueryable it is converted to an expression tree and quoted, as the lambda form is.
                case QueryClauseSyntax or SelectOrGroupClauseSyntax or OrderingSyntax
                    when child is ExpressionSyntax clauseExpression && ClauseQuoted(clauseExpression, model, cancellationToken):
                    return UseKind.NotAUse;

                case AnonymousFunctionExpressionSyntax lambda:
                    if (lambda is ParenthesizedLambdaExpressionSyntax { AttributeLists.Count: > 0 } or SimpleLambdaExpressionSyntax { AttributeLists.Count: > 0 }
                        && OperationOf(lambda, model, cancellationToken) is IAnonymousFunctionOperation lambdaOperation
                        && symbols.HasRequiresTenant(lambdaOperation.Symbol))
                    {
                        return UseKind.InsideScope;
                    }

                    // A lambda converted to an expression tree is quoted (an EF query filter), not run where it is written.
                    if (ConvertedToExpressionTree(lambda, model, cancellationToken))
                    {
                        return UseKind.NotAUse;
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

    /// <summary>
    /// Asks the operation tree the driver already built (not <c>GetTypeInfo</c>, which takes the binder's own path): the
    /// operations sharing the lambda's syntax are the lambda, its delegate creation or conversion, whose type tells.
    /// </summary>
    private static bool ConvertedToExpressionTree(SyntaxNode lambda, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var operation = model.GetOperation(lambda, cancellationToken); operation is not null && operation.Syntax == lambda; operation = operation.Parent)
        {
            if (IsExpressionTree(operation.Type))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the expression of a query clause is the body of a lambda the compiler converts to an expression tree
    /// (a query over <c>IQueryable</c>): up from the clause's expression to the lambda it is the body of (a <c>let</c>
    /// wraps it in an anonymous object first), then to the lambda's conversion or the parameter it is passed to.
    /// </summary>
    private static bool ClauseQuoted(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(expression, cancellationToken);
        for (var depth = 0; operation is not null && depth < 10; depth++, operation = operation.Parent)
        {
            if (operation is not IAnonymousFunctionOperation lambda)
            {
                continue;
            }

            for (var outer = lambda.Parent; outer is not null && depth < 14; depth++, outer = outer.Parent)
            {
                if (IsExpressionTree(outer.Type) || outer is IArgumentOperation { Parameter.Type: var parameterType } && IsExpressionTree(parameterType))
                {
                    return true;
                }

                if (outer is IArgumentOperation or IInvocationOperation)
                {
                    return false;
                }
            }

            return false;
        }

        return false;
    }

    private static bool IsExpressionTree(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "Expression", IsGenericType: true, ContainingNamespace: { Name: "Expressions", ContainingNamespace: { Name: "Linq", ContainingNamespace.Name: "System" } } };

    private static bool IsDelegateArgument(IInvocationOperation run, ArgumentSyntax argument)
    {
        foreach (var candidate in run.Arguments)
        {
            if (candidate.Syntax == argument)
            {
                return candidate.Parameter?.Type.TypeKind == TypeKind.Delegate;
            }
        }

        return false;
    }

    /// <summary>
    /// True when an iterator yields inside the scope region before the use: the scope does not survive a
    /// <c>yield return</c> handed out of it (the consumer runs between the two halves, and the rest of the iterator runs
    /// on whatever flow calls MoveNext next).
    /// </summary>
    /// <remarks>
    /// Cost: nothing is visited when the function holding the region cannot yield (a lambda, top-level statements, or a
    /// member that returns no enumerable or enumerator: most uses); otherwise only the nodes between the scope's start and the
    /// use, and only once a scope was found; no cache. (An earlier version cached "is this function an iterator" per
    /// declaration in a static <c>ConditionalWeakTable</c>: under the compiler's concurrent analysis its lock was the
    /// analyzers' largest wait.)
    /// </remarks>
    private static bool YieldsBefore(SyntaxNode region, int? from, SyntaxNode use, ISymbol? containingSymbol)
    {
        // Positions are asked only past the cheap check: a node's start is computed by descending to its first token.
        if (CannotYield(region, containingSymbol))
        {
            return false;
        }

        var start = from ?? region.SpanStart;
        var to = use.SpanStart;
        if (start >= to)
        {
            return false;
        }

        foreach (var node in region.DescendantNodes(TextSpan.FromBounds(start, to), n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (node.IsKind(SyntaxKind.YieldReturnStatement) && node.SpanStart >= start && node.Span.End <= to)
            {
                return YieldIsTheUsesOwn(region, use);
            }
        }

        return false;
    }

    /// <summary>
    /// True when the function that holds <paramref name="region"/> cannot contain a <c>yield</c>: a lambda or anonymous
    /// method, top-level statements, or the member being analyzed when it does not return an enumerable or enumerator
    /// (only those can be iterators). A local function is not asked here (its region is walked).
    /// </summary>
    private static bool CannotYield(SyntaxNode region, ISymbol? containingSymbol)
    {
        for (var node = region; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax or GlobalStatementSyntax or CompilationUnitSyntax:
                    return true;
                case LocalFunctionStatementSyntax:
                    return false;
                case AccessorDeclarationSyntax or BaseMethodDeclarationSyntax:
                    return containingSymbol is IMethodSymbol method
                           && method.ReturnType is not INamedTypeSymbol { Name: "IEnumerable" or "IEnumerator" or "IAsyncEnumerable" or "IAsyncEnumerator" }
                           && method.DeclaringSyntaxReferences.Length == 1
                           && method.DeclaringSyntaxReferences[0].SyntaxTree == node.SyntaxTree
                           && method.DeclaringSyntaxReferences[0].Span.Contains(node.Span);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// A yield found in the region belongs to the function that holds the region; it ends the scope for the use unless
    /// the use sits in a lambda nested inside the region (run whenever it is invoked), or in a nested local function that
    /// is not itself an iterator.
    /// </summary>
    private static bool YieldIsTheUsesOwn(SyntaxNode region, SyntaxNode use)
    {
        for (var ancestor = use.Parent; ancestor is not null && ancestor != region; ancestor = ancestor.Parent)
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax:
                    return false;
                case LocalFunctionStatementSyntax localFunction:
                    return ContainsYield(localFunction);
            }
        }

        return true;
    }

    private static bool ContainsYield(SyntaxNode function)
    {
        foreach (var node in function.DescendantNodes(n => n == function || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (node is YieldStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static bool InsideMember(ISymbol? containingSymbol, TenantSymbols symbols)
    {
        if (containingSymbol is null)
        {
            return false;
        }

        // [RequiresTenant] on a static constructor is refused (TC1007): the runtime runs it with no scope.
        if (containingSymbol is IMethodSymbol { MethodKind: MethodKind.StaticConstructor })
        {
            return symbols.MemberOrTypeHas(containingSymbol.ContainingType, symbols.RequiresTenantAttribute);
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
    public static bool IsEnter(ExpressionSyntax? expression, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken) =>
        IsEnter(expression, model, symbols, cancellationToken, depth: 0);

    /// <summary>
    /// True when <paramref name="expression"/> evaluates to a scope an Enter returned: the call itself (through
    /// parentheses, <c>await</c>, <c>ConfigureAwait</c> and <c>?.</c>), a <c>?:</c> or <c>switch</c> whose arms all enter
    /// (or give null), or a local initialised with one.
    /// </summary>
    private static bool IsEnter(ExpressionSyntax? expression, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken, int depth)
    {
        if (depth > 4)
        {
            return false;
        }

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
                case ConditionalAccessExpressionSyntax conditionalAccess:
                    expression = conditionalAccess.WhenNotNull;
                    continue;
                case ConditionalExpressionSyntax conditional:
                    return ArmsEnter(new[] { conditional.WhenTrue, conditional.WhenFalse }, model, symbols, cancellationToken, depth);
                case SwitchExpressionSyntax switchExpression:
                    return ArmsEnter(switchExpression.Arms.Select(a => a.Expression), model, symbols, cancellationToken, depth);
                case IdentifierNameSyntax identifier:
                    return depth < 2
                        && OperationOf(identifier, model, cancellationToken) is ILocalReferenceOperation local
                        && InitializedWithEnter(local.Local, model, symbols, cancellationToken, depth + 1);
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
                case MemberBindingExpressionSyntax:
                    return false;
                default:
                    return false;
            }
        }
    }

    private static bool ArmsEnter(IEnumerable<ExpressionSyntax> arms, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken, int depth)
    {
        var enters = false;
        foreach (var arm in arms)
        {
            if (IsEnter(arm, model, symbols, cancellationToken, depth + 1))
            {
                enters = true;
            }
            else if (arm is not (LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } or LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } or DefaultExpressionSyntax))
            {
                return false;
            }
        }

        return enters;
    }

    private static bool InitializedWithEnter(ILocalSymbol local, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken, int depth)
    {
        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree
                && reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } value }
                && IsEnter(value, model, symbols, cancellationToken, depth))
            {
                return true;
            }
        }

        return false;
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
            if (IsScope(variable.Initializer?.Value, model, symbols, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when a <c>using</c> over <paramref name="expression"/> disposes a tenant scope: an Enter (see
    /// <see cref="IsEnter(ExpressionSyntax?, SemanticModel, TenantSymbols, CancellationToken)"/>), or any value of type
    /// <c>TenantScope</c> — a helper that returns one (<c>using (OpenTenant(t))</c>), a parameter or a field: every
    /// <c>TenantScope</c> comes from an Enter, so a <c>using</c> over one is a scope whatever its name. Asked only of the
    /// <c>using</c>s around or before a use, once the use was found tenant-scoped.
    /// </summary>
    private static bool IsScope(ExpressionSyntax? expression, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        if (expression is null || IsEnter(expression, model, symbols, cancellationToken))
        {
            return expression is not null;
        }

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
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configured }:
                    expression = configured.Expression;
                    continue;
                case LiteralExpressionSyntax:
                    return false;
            }

            return OperationOf(expression, model, cancellationToken) is { Type: { } type }
                && SymbolEqualityComparer.Default.Equals(type, symbols.TenantScope);
        }
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
            case IsPatternExpressionSyntax or BinaryExpressionSyntax when ComparedWithBool(condition, out var operand, out var positive):
                return positive && IsGuard(operand, model, symbols, cancellationToken);
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
        IsPatternExpressionSyntax or BinaryExpressionSyntax when ComparedWithBool(condition, out var operand, out var positive) =>
            !positive && IsGuard(operand, model, symbols, cancellationToken),
        _ => false,
    };

    /// <summary>
    /// Reads <c>x is true</c>, <c>x is not false</c>, <c>x == true</c>, <c>x != false</c> (and <c>true == x</c>) as
    /// <c>x</c> (<paramref name="positive"/>), and the four reverse forms as <c>!x</c>. Syntax only.
    /// </summary>
    private static bool ComparedWithBool(ExpressionSyntax condition, out ExpressionSyntax operand, out bool positive)
    {
        operand = condition;
        positive = false;
        switch (condition)
        {
            case IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax { Expression: var constant } } pattern when BoolLiteral(constant) is { } value:
                operand = pattern.Expression;
                positive = value;
                return true;
            case IsPatternExpressionSyntax { Pattern: UnaryPatternSyntax { Pattern: ConstantPatternSyntax { Expression: var constant } } } pattern when BoolLiteral(constant) is { } value:
                operand = pattern.Expression;
                positive = !value;
                return true;
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression):
                var left = BoolLiteral(binary.Left);
                var right = BoolLiteral(binary.Right);
                if ((left is null) == (right is null))
                {
                    return false;
                }

                operand = left is null ? binary.Left : binary.Right;
                positive = (left ?? right)!.Value == binary.IsKind(SyntaxKind.EqualsExpression);
                return true;
            default:
                return false;
        }
    }

    private static bool? BoolLiteral(ExpressionSyntax expression) => expression switch
    {
        ParenthesizedExpressionSyntax parenthesized => BoolLiteral(parenthesized.Expression),
        LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.TrueLiteralExpression) => true,
        LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.FalseLiteralExpression) => false,
        _ => null,
    };

    private static bool IsEarlyExit(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax or ContinueStatementSyntax or BreakStatementSyntax => true,
        YieldStatementSyntax yield => yield.IsKind(SyntaxKind.YieldBreakStatement),
        ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
        BlockSyntax block => block.Statements.Count > 0 && IsEarlyExit(block.Statements[block.Statements.Count - 1]),
        _ => false,
    };

    /// <summary>
    /// Where the scope entered by a statement before <paramref name="child"/> begins, or null: a <c>using</c> declaration
    /// of an Enter, an early exit on <c>!IsActive</c>, or a manual <c>var s = Enter(…); …; s.Dispose();</c> whose
    /// <c>Dispose</c> comes after <paramref name="child"/> (TC1003 reports that it is skipped by an exception).
    /// </summary>
    private static int? PrecedingStatementsEnterScope(SyntaxNode parent, SyntaxNode child, SemanticModel model, TenantSymbols symbols, CancellationToken cancellationToken)
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
                return null;
            }

            if (statement is GlobalStatementSyntax global)
            {
                statement = global.Statement;
            }

            switch (statement)
            {
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } declaration
                    when DeclaresEnter(declaration.Declaration, model, symbols, cancellationToken):
                    return statement.Span.End;
                case IfStatementSyntax { Else: null } guard
                    when IsEarlyExit(guard.Statement) && IsNegatedGuard(guard.Condition, model, symbols, cancellationToken):
                    return statement.Span.End;
                case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Declaration.Variables.Count: 1 } manual
                    when manual.Declaration.Variables[0].Initializer?.Value is InvocationExpressionSyntax or AwaitExpressionSyntax or ConditionalAccessExpressionSyntax
                         && NamesEnter(manual.Declaration.Variables[0].Initializer!.Value)
                         && DisposedAfter(statements, i + 1, child, manual.Declaration.Variables[0].Identifier.ValueText)
                         && IsEnter(manual.Declaration.Variables[0].Initializer!.Value, model, symbols, cancellationToken):
                    return statement.Span.End;
                case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment }
                    when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                         && NamesEnter(assignment.Right)
                         && (DisposedAfter(statements, i + 1, child, target.Identifier.ValueText) || EnclosingFinallyDisposes(parent, target.Identifier.ValueText))
                         && IsEnter(assignment.Right, model, symbols, cancellationToken):
                    // TenantScope? s = null; try { s = …Enter(…); … } finally { s?.Dispose(); }, or s = …Enter(…); …; s.Dispose();
                    return statement.Span.End;
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="initializer"/> calls something named Enter: every Enter is called by its name (a method
    /// name cannot be aliased), so a local whose initializer names none cannot hold a scope and the rest of the block is
    /// not searched for its Dispose.
    /// </summary>
    private static bool NamesEnter(ExpressionSyntax initializer)
    {
        foreach (var node in initializer.DescendantNodesAndSelf())
        {
            if (node is SimpleNameSyntax { Identifier.ValueText: "Enter" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="block"/> is the body of a <c>try</c> whose <c>finally</c> disposes <paramref name="local"/>.</summary>
    private static bool EnclosingFinallyDisposes(SyntaxNode block, string local) =>
        block is BlockSyntax { Parent: TryStatementSyntax { Finally: { } @finally } tryStatement } && tryStatement.Block == block
        && DisposesLocal(@finally.Block, local);

    /// <summary>
    /// True when a statement after <paramref name="child"/> in the list disposes <paramref name="local"/>: a
    /// <c>Dispose()</c> statement, or one under a null check (<c>if (s is not null) s.Dispose();</c>) or in a block.
    /// </summary>
    private static bool DisposedAfter(IReadOnlyList<SyntaxNode> statements, int start, SyntaxNode child, string local)
    {
        var afterChild = false;
        for (var j = start; j < statements.Count; j++)
        {
            if (statements[j] == child)
            {
                afterChild = true;
                continue;
            }

            if (afterChild)
            {
                var statement = statements[j] is GlobalStatementSyntax global ? global.Statement : statements[j];
                if (statement is ExpressionStatementSyntax or IfStatementSyntax or BlockSyntax && DisposesLocal(statement, local))
                {
                    return true;
                }
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

    private static bool DisposesLocal(SyntaxNode block, string local)
    {
        foreach (var invocation in block.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
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

            while (receiver is ParenthesizedExpressionSyntax or CastExpressionSyntax)
            {
                receiver = receiver is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : ((CastExpressionSyntax)receiver).Expression;
            }

            if (receiver is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == local)
            {
                return true;
            }
        }

        return false;
    }
}
