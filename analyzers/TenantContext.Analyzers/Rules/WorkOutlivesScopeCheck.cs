using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1010: fire-and-forget work started inside a tenant scope that reads tenant-scoped members — a delegate given to
/// <c>Task.Run</c> / <c>TaskFactory.StartNew</c> whose task nobody awaits, to <c>ThreadPool.QueueUserWorkItem</c>, to a
/// <c>System.Threading.Timer</c> or <c>Thread</c>, or an un-awaited call of a tenant-scoped async method. The work
/// carries the scope (ExecutionContext flow) but runs after it may have ended, when the tenant's resources are
/// disposed. A use inside the work's own scope (<c>using (snapshot.Enter())</c>) is fine.
/// </summary>
internal static class WorkOutlivesScopeCheck
{
    /// <summary>
    /// Adds the checks of the calls that start work (<c>Task.Run</c>, <c>StartNew</c>, <c>QueueUserWorkItem</c>), of every
    /// call whose task is dropped, and of <c>new Timer(…)</c> / <c>new Thread(…)</c>.
    /// </summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols)
    {
        checks.OnInvocation(["Run", "StartNew", "QueueUserWorkItem"], (c, invocation) => AnalyzeStart(c, invocation, symbols));
        checks.OnInvocation((c, invocation) => AnalyzeDroppedTask(c, invocation, symbols));
        checks.On(c => AnalyzeCreation(c, (IObjectCreationOperation)c.Operation, symbols), OperationKind.ObjectCreation);
    }

    private static bool IsIn(INamedTypeSymbol? type, string name, string ns) =>
        type is not null && type.Name == name
        && type.ContainingNamespace is { } n && n.ToDisplayString() == ns;

    private static void AnalyzeStart(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        var method = invocation.TargetMethod;
        switch (method.Name)
        {
            case "Run" when IsIn(method.ContainingType, "Task", "System.Threading.Tasks"):
            case "StartNew" when IsIn(method.ContainingType?.OriginalDefinition, "TaskFactory", "System.Threading.Tasks"):
                if (IsDiscarded(invocation) && StartedInScope(context, invocation, symbols))
                {
                    CheckDelegates(context, invocation.Arguments, $"work started by '{method.ContainingType!.Name}.{method.Name}' that nothing awaits", symbols);
                }

                return;
            case "QueueUserWorkItem" when IsIn(method.ContainingType, "ThreadPool", "System.Threading"):
                if (StartedInScope(context, invocation, symbols))
                {
                    CheckDelegates(context, invocation.Arguments, "work queued by 'ThreadPool.QueueUserWorkItem'", symbols);
                }

                return;
        }
    }

    /// <summary>An un-awaited call of a tenant-scoped async method, or of a local function whose body uses the tenant.</summary>
    private static void AnalyzeDroppedTask(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        // Cheapest first: most calls are not dropped tasks. (Task.Run and the other starts never pass: the framework is not tenant-aware.)
        // An async void method is never awaited: every call of one is fire-and-forget.
        var method = invocation.TargetMethod;
        if (!IsDiscarded(invocation) || !(IsAwaitable(method.ReturnType) || method.ReturnsVoid && method.IsAsync) || !symbols.InTenantAwareAssembly(method))
        {
            return;
        }

        if (method.MethodKind == MethodKind.LocalFunction)
        {
            if (StartedInScope(context, invocation, symbols))
            {
                if (CallbackUses.Declaration(method, invocation, context.CancellationToken) is ILocalFunctionOperation local)
                {
                    CheckBody(context, local, $"'{method.Name}', called without being awaited", symbols);
                }
            }

            return;
        }

        if (symbols.IsTenantScoped(method) && StartedInScope(context, invocation, symbols))
        {
            Report(context, invocation, method, $"'{Display.Member(method)}', called without being awaited");
        }
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, IObjectCreationOperation creation, TenantSymbols symbols)
    {
        var type = creation.Type as INamedTypeSymbol;
        if (type is null || !(IsIn(type, "Timer", "System.Threading") || IsIn(type, "Thread", "System.Threading")))
        {
            return;
        }

        if (StartedInScope(context, creation, symbols))
        {
            CheckDelegates(context, creation.Arguments, $"a callback of 'new {type.Name}(...)'", symbols);
        }
    }

    private static bool IsAwaitable(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "Task" or "ValueTask", ContainingNamespace: { Name: "Tasks", ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } } };

    /// <summary>
    /// True when the task is dropped: an expression statement, or assigned to the discard <c>_</c> — also through
    /// <c>.ConfigureAwait(…)</c>, which only wraps it (<c>_ = Task.Run(…).ConfigureAwait(false);</c>).
    /// </summary>
    private static bool IsDiscarded(IOperation operation)
    {
        var value = operation;
        while (value.Parent is IConversionOperation or IParenthesizedOperation
               || value.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance == value)
        {
            value = value.Parent;
        }

        return value.Parent switch
        {
            IExpressionStatementOperation => true,
            ISimpleAssignmentOperation { Target: IDiscardOperation } assignment => assignment.Value == value,
            _ => false,
        };
    }

    private static bool StartedInScope(OperationAnalysisContext context, IOperation start, TenantSymbols symbols) =>
        start.SemanticModel is { } model
        && TenantScopes.Classify(start.Syntax, context.ContainingSymbol, model, symbols, context.CancellationToken) == UseKind.InsideScope;

    private static void CheckDelegates(OperationAnalysisContext context, ImmutableArray<IArgumentOperation> arguments, string work, TenantSymbols symbols)
    {
        foreach (var argument in arguments)
        {
            if (CallbackUses.Callback(argument.Value) is { } callback)
            {
                CheckBody(context, callback, work, symbols);
            }
        }
    }

    private static void CheckBody(OperationAnalysisContext context, IOperation callback, string work, TenantSymbols symbols)
    {
        foreach (var (at, member) in CallbackUses.Of(callback, symbols, context.CancellationToken))
        {
            Report(context, at, member, work);
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation at, ISymbol member, string work) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WorkOutlivesScope, at.Syntax.GetLocation(), Display.Member(member), work));
}
