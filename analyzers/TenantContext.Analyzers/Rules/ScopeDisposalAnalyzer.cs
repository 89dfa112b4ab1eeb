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
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScopeDisposalAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ScopeNotDisposed);

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

    private enum Fate
    {
        Disposed,
        Transferred,
        Leaked,
    }

    private static void Analyze(OperationAnalysisContext context, TenantSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "Enter" || !symbols.IsEnter(invocation.TargetMethod))
        {
            return;
        }

        var fate = FateOf(invocation);
        if (fate == Fate.Disposed)
        {
            return;
        }

        var asyncFunction = EnclosingAsyncFunction(invocation, context.ContainingSymbol);
        string message;
        if (asyncFunction is not null)
        {
            message = $"The scope entered by '{Display.Member(invocation.TargetMethod)}' in async '{asyncFunction}' is left for its caller, which never sees it (AsyncLocal changes flow down, never up); dispose it inside the method with 'using'";
        }
        else if (fate == Fate.Leaked)
        {
            message = $"The scope returned by '{Display.Member(invocation.TargetMethod)}' is never disposed, so the tenant stays current for the rest of the flow; put it in a 'using' statement or declaration";
        }
        else
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScopeNotDisposed, invocation.Syntax.GetLocation(), message));
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
            case IReturnOperation:
            case IArgumentOperation:
            case IPropertyInitializerOperation:
            case IFieldInitializerOperation:
                return Fate.Transferred;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                if (declarator.Parent?.Parent?.Parent is IUsingDeclarationOperation or IUsingOperation
                    || declarator.Parent?.Parent is IUsingOperation)
                {
                    return Fate.Disposed;
                }

                return FateOfLocal(declarator.Symbol, invocation);
            case ISimpleAssignmentOperation assignment when assignment.Value == value:
                return assignment.Target switch
                {
                    ILocalReferenceOperation local => FateOfLocal(local.Local, invocation),
                    IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation => Fate.Transferred,
                    _ => Fate.Leaked,
                };
            case ICoalesceAssignmentOperation coalesce when coalesce.Value == value && coalesce.Target is IFieldReferenceOperation or IPropertyReferenceOperation:
                return Fate.Transferred;
            default:
                return Fate.Leaked;
        }
    }

    private static Fate FateOfLocal(ILocalSymbol local, IOperation from)
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
                case IConditionalAccessOperation { WhenNotNull: IInvocationOperation { TargetMethod.Name: "Dispose" or "DisposeAsync" } } conditional
                    when conditional.Operation == use:
                case IUsingOperation:
                    return Fate.Disposed;
                case IReturnOperation:
                case IArgumentOperation:
                case IVariableInitializerOperation:
                case IFieldInitializerOperation:
                case IPropertyInitializerOperation:
                    fate = Fate.Transferred;
                    break;
                case ISimpleAssignmentOperation assignment when assignment.Value == use
                    && assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation:
                    fate = Fate.Transferred;
                    break;
            }
        }

        return fate;
    }
}
