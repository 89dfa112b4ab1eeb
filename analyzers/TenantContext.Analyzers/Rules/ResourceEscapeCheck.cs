using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1005: a tenant resource (the value of <c>GetDb()</c>, <c>GetStorage()</c>, <c>GetRenderer()</c>, <c>Get&lt;T&gt;()</c> or
/// an accessor) stored where it outlives the scope: in a static field or property, or in anything reached from one (an
/// element of a static dictionary, a member of a static object, an item added to a static collection) — directly,
/// through a local, captured by a lambda stored there, or wrapped first: in a <c>Lazy&lt;T&gt;</c> (or
/// <c>GetOrAdd</c>/<c>LazyInitializer</c>) whose factory returns it, in a method group bound to it
/// (<c>GetDb().OpenConnection</c>), in an object, tuple, array or collection created around it (a timer whose callback
/// captures it).
/// </summary>
internal static class ResourceEscapeCheck
{
    private const int MaxDepth = 4;

    /// <summary>The calls that store their arguments (into a static when their receiver is one).</summary>
    private static readonly string[] s_storingMethods =
        ["Add", "TryAdd", "Insert", "Push", "Enqueue", "GetOrAdd", "AddOrUpdate", "TryUpdate", "AddRange", "TryWrite", "WriteAsync", "Set"];

    /// <summary>Adds the checks of assignments, static field and property initializers, and the calls that store into a static.</summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols)
    {
        checks.On(
            c =>
            {
                var assignment = (IAssignmentOperation)c.Operation;
                if (StaticRoot(assignment.Target) is { } target)
                {
                    Check(c, assignment.Value, target, symbols, 0);
                }
            },
            OperationKind.SimpleAssignment,
            OperationKind.CoalesceAssignment);

        checks.OnInvocation(["EnsureInitialized"], (c, invocation) => AnalyzeEnsureInitialized(c, invocation, symbols));
        checks.OnInvocation(["Exchange", "CompareExchange"], (c, invocation) => AnalyzeInterlocked(c, invocation, symbols));
        checks.OnInvocation(s_storingMethods, (c, invocation) => AnalyzeStoringCall(c, invocation, symbols));

        checks.On(
            c =>
            {
                var initializer = (IFieldInitializerOperation)c.Operation;
                foreach (var field in initializer.InitializedFields)
                {
                    if (field.IsStatic)
                    {
                        Check(c, initializer.Value, field, symbols, 0);
                        return;
                    }
                }
            },
            OperationKind.FieldInitializer);

        checks.On(
            c =>
            {
                var initializer = (IPropertyInitializerOperation)c.Operation;
                foreach (var property in initializer.InitializedProperties)
                {
                    if (property.IsStatic)
                    {
                        Check(c, initializer.Value, property, symbols, 0);
                        return;
                    }
                }
            },
            OperationKind.PropertyInitializer);
    }

    /// <summary><c>LazyInitializer.EnsureInitialized(ref s_db, () =&gt; GetDb())</c>: the factory's result is stored into the static.</summary>
    private static void AnalyzeEnsureInitialized(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        if (invocation.TargetMethod.ContainingType is not { Name: "LazyInitializer" }
            || invocation.Arguments.Length == 0 || StaticRoot(invocation.Arguments[0].Value) is not { } initialized)
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { Ordinal: > 0 })
            {
                CheckFactory(context, argument.Value, initialized, "returned by a LazyInitializer factory", symbols);
            }
        }
    }

    /// <summary>
    /// <c>Interlocked.Exchange(ref s_db, db)</c>, <c>Interlocked.CompareExchange(ref s_db, db, null)</c>: the value (not
    /// the comparand) is stored into the static.
    /// </summary>
    private static void AnalyzeInterlocked(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        if (invocation.TargetMethod.ContainingType is not { Name: "Interlocked" }
            || invocation.Arguments.Length < 2 || StaticRoot(invocation.Arguments[0].Value) is not { } target)
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { Ordinal: 1 })
            {
                Check(context, argument.Value, target, symbols, 0);
            }
        }
    }

    /// <summary>
    /// A call that stores its arguments into a static: <c>s_cache.Add(key, db)</c>, <c>s_cache.GetOrAdd(key, _ =&gt;
    /// GetDb())</c>, <c>s_queue.Enqueue(db)</c>.
    /// </summary>
    private static void AnalyzeStoringCall(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols)
    {
        // An extension method (IMemoryCache.Set) takes its receiver as the first argument.
        var method = invocation.TargetMethod;
        var extension = invocation.Instance is null && method.IsExtensionMethod && invocation.Arguments.Length > 0;
        var receiver = extension ? invocation.Arguments[0].Value : invocation.Instance;
        if (receiver is null || StaticRoot(receiver) is not { } target)
        {
            return;
        }

        var caches = method.Name is "GetOrAdd" or "AddOrUpdate";
        foreach (var argument in invocation.Arguments)
        {
            if (extension && argument.Parameter is { Ordinal: 0 })
            {
                continue;
            }

            if (caches)
            {
                CheckFactory(context, argument.Value, target, $"returned by a '{method.Name}' factory", symbols);
            }

            Check(context, argument.Value, target, symbols, 0);
        }
    }

    /// <summary>
    /// The static field or property <paramref name="target"/> stores into: the static itself, or one reached from it
    /// (<c>s_cache[key]</c>, <c>s_holder.Db</c>, <c>s_array[0]</c>).
    /// </summary>
    private static ISymbol? StaticRoot(IOperation? target)
    {
        for (var depth = 0; target is not null && depth < 8; depth++)
        {
            switch (target)
            {
                case IConversionOperation conversion:
                    target = conversion.Operand;
                    break;
                case IFieldReferenceOperation { Field.IsStatic: true } field:
                    return field.Field;
                case IPropertyReferenceOperation { Property.IsStatic: true } property:
                    return property.Property;
                case IMemberReferenceOperation { Instance: { } instance }:
                    target = instance;
                    break;
                case IArrayElementReferenceOperation element:
                    target = element.ArrayReference;
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }

    private static ISymbol? Resource(IOperation? operation, TenantSymbols symbols) => operation is null ? null : Unwrap(operation) switch
    {
        IInvocationOperation invocation when symbols.IsResource(invocation.TargetMethod) => invocation.TargetMethod,
        IPropertyReferenceOperation property when symbols.IsResource(property.Property) => property.Property,
        IConditionalAccessOperation conditional => Resource(conditional.WhenNotNull, symbols),
        _ => null,
    };

    /// <summary>A resource read here, or a local that holds one: what it is, for the message.</summary>
    private static string? Held(IOperation operation, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        var unwrapped = Unwrap(operation);
        if (Resource(unwrapped, symbols) is { } resource)
        {
            return $"'{Display.Member(resource)}'";
        }

        if (unwrapped is ILocalReferenceOperation local && LocalResource(local.Local, operation.SemanticModel, symbols, cancellationToken) is { } localResource)
        {
            return $"'{local.Local.Name}' (from '{Display.Member(localResource)}')";
        }

        return null;
    }

    private static void Check(OperationAnalysisContext context, IOperation value, ISymbol target, TenantSymbols symbols, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        if (Held(value, symbols, context.CancellationToken) is { } held)
        {
            Report(context, value, depth == 0 ? held : held + " (wrapped)", target);
            return;
        }

        switch (Unwrap(value))
        {
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation function }:
                CheckCaptures(context, function, target, symbols);
                break;
            case IAnonymousFunctionOperation function:
                CheckCaptures(context, function, target, symbols);
                break;
            case IDelegateCreationOperation { Target: IMethodReferenceOperation { Instance: { } receiver } reference }
                when Held(receiver, symbols, context.CancellationToken) is { } bound:
                Report(context, value, $"a method group bound to {bound} ('{reference.Method.Name}')", target);
                break;
            case IObjectCreationOperation creation:
                var lazy = creation.Type is INamedTypeSymbol { Name: "Lazy", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
                foreach (var argument in creation.Arguments)
                {
                    if (lazy)
                    {
                        CheckFactory(context, argument.Value, target, "returned by a Lazy<T> factory", symbols);
                    }

                    Check(context, argument.Value, target, symbols, depth + 1);
                }

                if (creation.Initializer is { } initializer)
                {
                    CheckInitializer(context, initializer, target, symbols, depth + 1);
                }

                break;
            case IAnonymousObjectCreationOperation anonymous:
                foreach (var member in anonymous.Initializers)
                {
                    if (member is IAssignmentOperation assignment)
                    {
                        Check(context, assignment.Value, target, symbols, depth + 1);
                    }
                }

                break;
            case ITupleOperation tuple:
                foreach (var element in tuple.Elements)
                {
                    Check(context, element, target, symbols, depth + 1);
                }

                break;
            case IArrayCreationOperation { Initializer: { } arrayInitializer }:
                foreach (var element in arrayInitializer.ElementValues)
                {
                    Check(context, element, target, symbols, depth + 1);
                }

                break;
            case ICollectionExpressionOperation collection:
                foreach (var element in collection.Elements)
                {
                    Check(context, element is ISpreadOperation spread ? spread.Operand : element, target, symbols, depth + 1);
                }

                break;
            case IConditionalOperation conditional:
                Check(context, conditional.WhenTrue, target, symbols, depth);
                if (conditional.WhenFalse is { } whenFalse)
                {
                    Check(context, whenFalse, target, symbols, depth);
                }

                break;
            case ICoalesceOperation coalesce:
                Check(context, coalesce.Value, target, symbols, depth);
                Check(context, coalesce.WhenNull, target, symbols, depth);
                break;
        }
    }

    private static void CheckInitializer(OperationAnalysisContext context, IObjectOrCollectionInitializerOperation initializer, ISymbol target, TenantSymbols symbols, int depth)
    {
        foreach (var item in initializer.Initializers)
        {
            switch (item)
            {
                case IAssignmentOperation assignment:
                    Check(context, assignment.Value, target, symbols, depth);
                    break;
                case IInvocationOperation add:
                    foreach (var argument in add.Arguments)
                    {
                        Check(context, argument.Value, target, symbols, depth);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// A factory whose result is kept (the <c>Lazy&lt;T&gt;</c> value, a <c>GetOrAdd</c> entry): a lambda that returns a
    /// resource, or a method group of one (<c>new Lazy&lt;ITenantDatabase&gt;(TenantContext.GetDb)</c>). The first tenant's
    /// resource is then served to every later one.
    /// </summary>
    private static void CheckFactory(OperationAnalysisContext context, IOperation value, ISymbol target, string how, TenantSymbols symbols)
    {
        switch (Unwrap(value))
        {
            case IDelegateCreationOperation { Target: IMethodReferenceOperation reference } when symbols.IsResource(reference.Method):
                Report(context, value, $"'{Display.Member(reference.Method)}' ({how})", target);
                break;
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation function }:
                CheckReturns(context, function, target, how, symbols);
                break;
            case IAnonymousFunctionOperation function:
                CheckReturns(context, function, target, how, symbols);
                break;
        }
    }

    private static void CheckReturns(OperationAnalysisContext context, IAnonymousFunctionOperation function, ISymbol target, string how, TenantSymbols symbols)
    {
        foreach (var operation in function.Body.Descendants())
        {
            // A captured local is reported once, as a capture (CheckCaptures).
            if (operation is IReturnOperation { ReturnedValue: { } returned } && Returns(operation, function)
                && !(Unwrap(returned) is ILocalReferenceOperation local && !IsDeclaredInside(local.Local, function))
                && Held(returned, symbols, context.CancellationToken) is { } held)
            {
                Report(context, returned, $"{held} ({how})", target);
            }
        }
    }

    /// <summary>True when <paramref name="operation"/> returns from <paramref name="function"/> itself, not from a nested lambda or local function.</summary>
    private static bool Returns(IOperation operation, IAnonymousFunctionOperation function)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent == function)
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

    /// <summary>A local holding a resource, captured by a lambda that is stored: the lambda keeps the resource alive.</summary>
    private static void CheckCaptures(OperationAnalysisContext context, IAnonymousFunctionOperation lambda, ISymbol target, TenantSymbols symbols)
    {
        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is ILocalReferenceOperation captured
                && !SymbolEqualityComparer.Default.Equals(captured.Local.ContainingSymbol, lambda.Symbol)
                && !IsDeclaredInside(captured.Local, lambda)
                && LocalResource(captured.Local, lambda.SemanticModel, symbols, context.CancellationToken) is { } capturedResource)
            {
                Report(context, operation, $"'{captured.Local.Name}' (from '{Display.Member(capturedResource)}', captured by a lambda)", target);
            }
        }
    }

    private static bool IsDeclaredInside(ILocalSymbol local, IAnonymousFunctionOperation lambda)
    {
        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (lambda.Syntax.Span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? LocalResource(ILocalSymbol local, SemanticModel? model, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        if (model is null)
        {
            return null;
        }

        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                && initializer.SyntaxTree == model.SyntaxTree
                && Resource(model.GetOperation(initializer, cancellationToken), symbols) is { } resource)
            {
                return resource;
            }
        }

        return null;
    }

    private static void Report(OperationAnalysisContext context, IOperation at, string what, ISymbol target) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResourceEscapesScope, at.Syntax.GetLocation(), what, Display.Member(target)));
}
