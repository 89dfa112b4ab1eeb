using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1003: the scope returned by an Enter is not disposed, or is entered in an async method and left for the
/// caller (AsyncLocal changes flow down, never up). Returning the scope, storing it in a field or property, or
/// passing it on transfers ownership (except out of an async method).
/// </summary>
internal static class ScopeDisposalCheck
{
    /// <summary>Adds the check of every call named <c>Enter</c> (the runtime's, a generated accessor's, a snapshot's).</summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols) =>
        checks.OnInvocation(["Enter"], (c, invocation) => Analyze(c, invocation, symbols));

    private enum Fate
    {
        Disposed,
        Transferred,
        Leaked,

        /// <summary>Disposed by a <c>Dispose()</c> call outside a <c>finally</c>: an exception or early return skips it.</summary>
        DisposedOnSomePaths,
    }

    private static void Analyze(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        if (!symbols.IsEnter(invocation.TargetMethod))
        {
            return;
        }

        var fate = FateOf(invocation);
        if (fate == Fate.Disposed)
        {
            return;
        }

        var asyncFunction = fate == Fate.DisposedOnSomePaths ? null : EnclosingAsyncFunction(invocation, context.ContainingSymbol);
        string message;
        string problem;
        if (asyncFunction is not null)
        {
            message = $"The scope entered by '{Display.Member(invocation.TargetMethod)}' in async '{asyncFunction}' is left for its caller, which never sees it (AsyncLocal changes flow down, never up); dispose it inside the method with 'using'";
            problem = DiagnosticProperties.ScopeLeftForCaller;
        }
        else if (fate == Fate.Leaked)
        {
            message = $"The scope returned by '{Display.Member(invocation.TargetMethod)}' is never disposed, so the tenant stays current for the rest of the flow; put it in a 'using' statement or declaration";
            problem = DiagnosticProperties.ScopeNeverDisposed;
        }
        else if (fate == Fate.DisposedOnSomePaths)
        {
            message = $"The scope returned by '{Display.Member(invocation.TargetMethod)}' is disposed by a call that an exception or early return skips, leaving the tenant current for the rest of the flow; put it in a 'using' statement or declaration";
            problem = DiagnosticProperties.ScopeNotDisposedOnEveryPath;
        }
        else
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.ScopeNotDisposed,
            invocation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.ScopeProblem, problem),
            message));
    }

    private static string? EnclosingAsyncFunction(IOperation operation, ISymbol containingSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol.IsAsync ? "lambda" : null;
                case ILocalFunctionOperation local:
                    return local.Symbol.IsAsync ? local.Symbol.Name : null;
            }
        }

        return containingSymbol is IMethodSymbol { IsAsync: true } method ? Display.Enclosing(method) : null;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation.Parent is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    private static Fate FateOf(IInvocationOperation invocation)
    {
        var value = Unwrap(invocation);
        while (true)
        {
            if (value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance == value)
            {
                value = Unwrap(configured);
            }
            else if (value.Parent is IConditionalOperation conditional && (conditional.WhenTrue == value || conditional.WhenFalse == value))
            {
                value = Unwrap(conditional);
            }
            else if (value.Parent is ISwitchExpressionArmOperation { Parent: ISwitchExpressionOperation switchExpression } arm && arm.Value == value)
            {
                value = Unwrap(switchExpression);
            }
            else if (value.Parent is IConditionalAccessOperation access && access.WhenNotNull == value)
            {
                value = Unwrap(access);
            }
            else if (value.Parent is ICoalesceOperation coalesce && (coalesce.Value == value || coalesce.WhenNull == value))
            {
                value = Unwrap(coalesce);
            }
            else if (value.Parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } extension } argument
                     && extension.Arguments.Length > 0 && extension.Arguments[0] == argument)
            {
                value = Unwrap(extension);
            }
            else
            {
                break;
            }
        }

        switch (value.Parent)
        {
            case IUsingOperation:
                return Fate.Disposed;
            case IArgumentOperation argument:
                return FateOfArgument(argument);
            case IReturnOperation:
            case IPropertyInitializerOperation:
            case IFieldInitializerOperation:
                return Fate.Transferred;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                if (declarator.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation
                    || declarator.Parent?.Parent is IUsingOperation)
                {
                    return Fate.Disposed;
                }

                return FateOfLocal(declarator.Symbol, invocation, 0);
            case ISimpleAssignmentOperation assignment when assignment.Value == value:
                return assignment.Target switch
                {
                    ILocalReferenceOperation local => FateOfLocal(local.Local, invocation, 0),
                    IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation => Fate.Transferred,
                    _ => Fate.Leaked,
                };
            case ICoalesceAssignmentOperation coalesce when coalesce.Value == value && coalesce.Target is IFieldReferenceOperation or IPropertyReferenceOperation:
                return Fate.Transferred;
            case IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" } dispose when dispose.Instance == value:
                return Fate.Disposed; // Enter(t).Dispose(): nothing runs in between, so nothing can skip it
            default:
                return Fate.Leaked;
        }
    }

    /// <summary>
    /// A scope passed as an argument is handed over only to a parameter that can own it (a <c>TenantScope</c>,
    /// <c>IDisposable</c> or <c>IAsyncDisposable</c>: a wrapper, a collection of scopes); <c>Assert.NotNull(scope)</c>
    /// (an <c>object</c>) keeps nothing. A wrapper created and disposed in the same method disposes the scope.
    /// </summary>
    private static Fate FateOfArgument(IArgumentOperation argument)
    {
        if (argument.Parameter?.Type is not { } type
            || !(type.Name is "TenantScope" or "IDisposable" or "IAsyncDisposable" || type.TypeKind == TypeKind.TypeParameter))
        {
            return Fate.Leaked;
        }

        if (argument.Parent is IObjectCreationOperation creation)
        {
            var wrapper = Unwrap(creation);
            if (wrapper.Parent is IUsingOperation
                || wrapper.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }
                   && (declarator.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation || declarator.Parent?.Parent is IUsingOperation))
            {
                return Fate.Disposed;
            }
        }

        return Fate.Transferred;
    }

    private static bool InFinally(IOperation operation)
    {
        for (IOperation? child = operation, parent = operation.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            if (parent is ITryOperation tryOperation && tryOperation.Finally == child)
            {
                return true;
            }

            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }
        }

        return false;
    }

    private static Fate FateOfLocal(ILocalSymbol local, IOperation from, int depth)
    {
        var root = from;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var fate = Fate.Leaked;
        foreach (var operation in root.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var use = Unwrap(reference);
            switch (use.Parent)
            {
                case IInvocationOperation call when call.Instance == use && call.TargetMethod.Name is "Dispose" or "DisposeAsync":
                    if (InFinally(call))
                    {
                        return Fate.Disposed;
                    }

                    fate = Fate.DisposedOnSomePaths;
                    break;
                case IConditionalAccessOperation { WhenNotNull: IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" } } conditional
                    when conditional.Operation == use:
                    if (InFinally(conditional))
                    {
                        return Fate.Disposed;
                    }

                    fate = Fate.DisposedOnSomePaths;
                    break;
                case IUsingOperation:
                    return Fate.Disposed;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation alias } when depth < 3:
                    // An alias (var a = scope;) is followed: the scope is disposed if the alias is.
                    if (alias.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation || alias.Parent?.Parent is IUsingOperation)
                    {
                        return Fate.Disposed;
                    }

                    var aliasFate = FateOfLocal(alias.Symbol, from, depth + 1);
                    if (aliasFate == Fate.Disposed)
                    {
                        return Fate.Disposed;
                    }

                    if (fate == Fate.Leaked)
                    {
                        fate = aliasFate;
                    }

                    break;
                case IArgumentOperation argument:
                    var argumentFate = FateOfArgument(argument);
                    if (argumentFate == Fate.Disposed)
                    {
                        return Fate.Disposed;
                    }

                    if (argumentFate == Fate.Transferred && fate == Fate.Leaked)
                    {
                        fate = Fate.Transferred;
                    }

                    break;
                case IReturnOperation:
                case IFieldInitializerOperation:
                case IPropertyInitializerOperation:
                    if (fate != Fate.DisposedOnSomePaths)
                    {
                        fate = Fate.Transferred;
                    }

                    break;
                case ISimpleAssignmentOperation assignment when assignment.Value == use
                    && assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation:
                    if (fate != Fate.DisposedOnSomePaths)
                    {
                        fate = Fate.Transferred;
                    }

                    break;
            }
        }

        return fate;
    }
}
