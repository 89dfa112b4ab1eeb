using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1001: a tenant-scoped member (an accessor, <c>TenantContext.GetDb()</c> and friends, a <c>[RequiresTenant]</c>
/// member, accessor, operator or static field of a <c>[RequiresTenant]</c> type, a <c>DbSet&lt;T&gt;</c> of a
/// tenant-owned entity) used outside a tenant scope. The message names what can be marked — the lambda, local function
/// or member — or, where marking is impossible (an override of a framework member, top-level statements), says to
/// enter a scope; <see cref="DiagnosticProperties"/> carry the same choice for the code fix.
/// </summary>
internal static class RequiresTenantCheck
{
    /// <summary>
    /// Adds the checks of every invocation, property, static field, method group, event and constructor use, and of
    /// user-defined operators and conversions when one can be tenant-scoped.
    /// </summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols, Compilation compilation)
    {
        checks.OnInvocation((c, invocation) =>
        {
            var method = invocation.TargetMethod;
            if (symbols.DbContext is not null && symbols.IsTenantOwnedSetCall(method))
            {
                Report(c, method, symbols);
                return;
            }

            Analyze(c, method, symbols);
        });
        checks.On(c => AnalyzeProperty(c, (IPropertyReferenceOperation)c.Operation, symbols), OperationKind.PropertyReference);
        checks.On(
            c =>
            {
                // Only a static field can be tenant-scoped (of a [RequiresTenant] type): instance fields stop here.
                var field = ((IFieldReferenceOperation)c.Operation).Field;
                if (field.IsStatic)
                {
                    Analyze(c, field, symbols);
                }
            },
            OperationKind.FieldReference);
        checks.On(c => Analyze(c, ((IMethodReferenceOperation)c.Operation).Method, symbols), OperationKind.MethodReference);
        checks.On(c => AnalyzeEvent(c, (IEventReferenceOperation)c.Operation, symbols), OperationKind.EventReference);
        checks.On(c => Analyze(c, ((IObjectCreationOperation)c.Operation).Constructor, symbols), OperationKind.ObjectCreation);

        // Operators and conversions are the most frequent operations of all (every implicit conversion is one), and
        // only a user-defined one can be tenant-scoped: look at them only when one can be declared where a tenant
        // requirement can be (see MayDeclareOperators).
        if (MayDeclareOperators(compilation, symbols))
        {
            checks.On(
                c => Analyze(c, OperatorMethod(c.Operation), symbols),
                OperationKind.BinaryOperator, OperationKind.UnaryOperator, OperationKind.Conversion,
                OperationKind.Increment, OperationKind.Decrement, OperationKind.CompoundAssignment);
        }
    }

    /// <summary>
    /// False when no user-defined operator or conversion can be tenant-scoped: the compilation declares none (asked of
    /// the declaration table, which knows every member's name without binding anything: operators are the <c>op_</c>
    /// members) and no referenced assembly other than the runtime, which declares none, can see the runtime.
    /// </summary>
    private static bool MayDeclareOperators(Compilation compilation, TenantSymbols symbols)
    {
        foreach (var reference in symbols.TenantAwareReferences)
        {
            if (!SymbolEqualityComparer.Default.Equals(reference, symbols.TenantContext.ContainingAssembly))
            {
                return true;
            }
        }

        return compilation.ContainsSymbolsWithName(static name => name.StartsWith("op_", StringComparison.Ordinal), SymbolFilter.Member);
    }

    private static IMethodSymbol? OperatorMethod(IOperation operation) => operation switch
    {
        IBinaryOperation binary => binary.OperatorMethod,
        IUnaryOperation unary => unary.OperatorMethod,
        IConversionOperation conversion => conversion.OperatorMethod,
        IIncrementOrDecrementOperation increment => increment.OperatorMethod,
        ICompoundAssignmentOperation compound => compound.OperatorMethod,
        _ => null,
    };

    /// <summary>A property use obliges through the property and through the accessor it runs (get, set, or both).</summary>
    private static void AnalyzeProperty(OperationAnalysisContext context, IPropertyReferenceOperation reference, TenantSymbols symbols)
    {
        var property = reference.Property;
        if (!symbols.InTenantAwareAssembly(property))
        {
            return;
        }

        if (symbols.IsTenantScoped(property))
        {
            Analyze(context, property, symbols);
            return;
        }

        // The property is not tenant-scoped, so an accessor of it is only when it carries [RequiresTenant] itself (what
        // IsTenantScoped would conclude after asking the property again).
        var parent = reference.Parent;
        var written = parent is IAssignmentOperation assignment && assignment.Target == reference;
        var read = !written || parent is ICompoundAssignmentOperation or ICoalesceAssignmentOperation;
        if (read && property.GetMethod is { } getter && symbols.HasRequiresTenant(getter.OriginalDefinition))
        {
            Report(context, property, symbols);
        }
        else if (written && property.SetMethod is { } setter && symbols.HasRequiresTenant(setter.OriginalDefinition))
        {
            Report(context, property, symbols);
        }
    }

    /// <summary>An event use obliges through the event and, in <c>+=</c>/<c>-=</c>, through the accessor it runs (add or remove).</summary>
    private static void AnalyzeEvent(OperationAnalysisContext context, IEventReferenceOperation reference, TenantSymbols symbols)
    {
        var @event = reference.Event;
        if (!symbols.InTenantAwareAssembly(@event))
        {
            return;
        }

        if (symbols.IsTenantScoped(@event))
        {
            Report(context, @event, symbols);
            return;
        }

        if (reference.Parent is IEventAssignmentOperation assignment
            && (assignment.Adds ? @event.AddMethod : @event.RemoveMethod) is { } accessor
            && symbols.HasRequiresTenant(accessor.OriginalDefinition))
        {
            Report(context, @event, symbols);
        }
    }

    private static void Analyze(OperationAnalysisContext context, ISymbol? member, TenantSymbols symbols)
    {
        if (member is null || !symbols.IsTenantScoped(member))
        {
            return;
        }

        Report(context, member, symbols);
    }

    private static void Report(OperationAnalysisContext context, ISymbol member, TenantSymbols symbols)
    {
        var operation = context.Operation;
        var model = operation.SemanticModel;
        if (model is null
            || TenantScopes.Classify(operation.Syntax, context.ContainingSymbol, model, symbols, context.CancellationToken) != UseKind.OutsideScope)
        {
            return;
        }

        var target = MarkTarget.For(operation.Syntax, context.ContainingSymbol, symbols, requiresTenant: true, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.RequiresTenant,
            operation.Syntax.GetLocation(),
            target.Properties,
            Display.Member(member),
            Advice(target)));
    }

    private static string Advice(MarkTarget target) => target.Fix switch
    {
        DiagnosticProperties.FixEnterScope when target.BaseMember is not null =>
            $"{target.Text} overrides or implements '{Display.Member(target.BaseMember)}', which does not require a tenant, so it cannot be marked [RequiresTenant]; " +
            "enter a scope inside it instead: 'await TenantContext.RunAsync(tenant, ...)', or 'using (snapshot.Enter())' with a snapshot from 'TenantContext.Capture()' taken where the tenant was known",
        DiagnosticProperties.FixEnterScope =>
            $"{target.Text} cannot require a tenant of its callers; enter a scope around the use: 'using (TenantContext.Enter(tenant))' or 'TenantContext.Run(tenant, ...)'",
        DiagnosticProperties.FixNone =>
            $"{target.Text} cannot be marked [RequiresTenant]; read it inside a method that runs in a tenant scope",
        _ => $"call it inside 'using (TenantContext.Enter(...))' or mark {target.Text} with [RequiresTenant]",
    };
}
