using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1006: EF Core's <c>IgnoreQueryFilters()</c> on a query that reaches an <c>ITenantOwned</c> entity — as its element
/// type, anywhere along the query (before a projection, through an <c>Include</c> or a navigation read in a lambda of the
/// query), or as a type parameter that can stand for one (a generic repository) — outside a member (or type, lambda,
/// local function) marked <c>[CrossTenant]</c>. The named overload <c>IgnoreQueryFilters(["SoftDelete"])</c> is a bypass
/// only when its names include the tenant filter's (or cannot be read). EF Core is matched by metadata name, never
/// referenced.
/// </summary>
internal static class IgnoreQueryFiltersCheck
{
    private const string ExtensionsType = "Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions";

    /// <summary>The name <c>UseTenantIsolation()</c> gives its query filter (<c>TenantIsolation.FilterName</c>).</summary>
    internal const string TenantFilterName = "Tenancy.TenantIsolation";

    /// <summary>Adds the check of <c>IgnoreQueryFilters</c> calls when the compilation has tenant-owned entities and references EF Core.</summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols, Compilation compilation)
    {
        // The runtime was found first: a compilation without it never gets here, so never looks up EF Core.
        if (symbols.TenantOwned is null || compilation.GetTypeByMetadataName(ExtensionsType) is not { } extensions)
        {
            return;
        }

        checks.OnInvocation(["IgnoreQueryFilters"], (c, invocation) => Analyze(c, invocation, symbols, extensions));
    }

    private static void Analyze(OperationAnalysisContext context, IInvocationOperation invocation, TenantSymbols symbols, INamedTypeSymbol extensions)
    {
        var method = invocation.TargetMethod;
        if (method.TypeArguments.Length != 1
            || !SymbolEqualityComparer.Default.Equals(method.ContainingType, extensions)
            || KeepsTenantFilter(invocation))
        {
            return;
        }

        if (TenantOwnedEntity(invocation, symbols, extensions) is not { } entity)
        {
            return;
        }

        for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
        {
            var function = parent switch
            {
                IAnonymousFunctionOperation lambda => (ISymbol)lambda.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };
            if (function is not null && symbols.HasAttribute(function, symbols.CrossTenantAttribute))
            {
                return;
            }
        }

        if (symbols.MemberOrTypeHas(context.ContainingSymbol, symbols.CrossTenantAttribute))
        {
            return;
        }

        var target = MarkTarget.For(invocation.Syntax, context.ContainingSymbol, symbols, requiresTenant: false, context.CancellationToken);
        var advice = target.CanMark
            ? $"mark {target.Text} with [CrossTenant] if that is intended"
            : "move it into a method marked [CrossTenant] if that is intended";
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.IgnoreQueryFilters,
            invocation.Syntax.GetLocation(),
            target.Properties,
            entity.Name,
            advice));
    }

    /// <summary>
    /// True for the named overload (EF Core 10) when every name it is given is a constant other than the tenant filter's:
    /// <c>IgnoreQueryFilters(["SoftDelete"])</c> keeps the tenant filter. A name that is not a constant, or a list that is
    /// not written out, may be the tenant filter's: that call is judged as a bypass.
    /// </summary>
    private static bool KeepsTenantFilter(IInvocationOperation invocation)
    {
        IArgumentOperation? keys = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { Ordinal: > 0 })
            {
                keys = argument;
            }
        }

        if (keys is null)
        {
            return false;
        }

        var elements = Elements(Unwrap(keys.Value));
        if (elements is null)
        {
            return false;
        }

        foreach (var element in elements)
        {
            if (element.ConstantValue is not { HasValue: true, Value: string name } || name == TenantFilterName)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<IOperation>? Elements(IOperation value) => value switch
    {
        ICollectionExpressionOperation collection when !HasSpread(collection) => collection.Elements,
        IArrayCreationOperation { Initializer: { } initializer } => initializer.ElementValues,
        IObjectCreationOperation { Arguments.Length: 0, Initializer: { } initializer } => CollectionInitializerValues(initializer),
        _ => null,
    };

    private static bool HasSpread(ICollectionExpressionOperation collection)
    {
        foreach (var element in collection.Elements)
        {
            if (element is ISpreadOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<IOperation>? CollectionInitializerValues(IObjectOrCollectionInitializerOperation initializer)
    {
        var values = new List<IOperation>();
        foreach (var item in initializer.Initializers)
        {
            if (item is not IInvocationOperation { Arguments.Length: 1 } add)
            {
                return null;
            }

            values.Add(add.Arguments[0].Value);
        }

        return values;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }

    /// <summary>
    /// The tenant-owned entity the query reaches, or null. <c>IgnoreQueryFilters</c> switches filters off for the whole
    /// query, wherever it stands in the chain, so every step counts: the element type of each <c>IQueryable</c> in the
    /// chain (before and after), the <c>Include</c>/<c>ThenInclude</c> navigation types, and navigations read inside the
    /// lambdas of the query (<c>Select(c =&gt; c.Orders)</c>, <c>Where(c =&gt; c.Orders.Any())</c>). A local holding the
    /// query is followed to its initializer (same file).
    /// </summary>
    private static ITypeSymbol? TenantOwnedEntity(IInvocationOperation ignore, TenantSymbols symbols, INamedTypeSymbol extensions)
    {
        if (Candidate(ignore.TargetMethod.TypeArguments[0], symbols) is { } direct)
        {
            return direct;
        }

        // Later steps: the IgnoreQueryFilters call is the source of the next extension call, and so on.
        IOperation current = ignore;
        while (Unwrapped(current.Parent) is IArgumentOperation { Parent: IInvocationOperation next } argument
               && argument.Parameter is { Ordinal: 0 } && next.TargetMethod.IsExtensionMethod)
        {
            if (InStep(next, symbols) is { } later)
            {
                return later;
            }

            current = next;
        }

        // Earlier steps: the source argument of each extension call, back to the root.
        var source = Source(ignore);
        for (var depth = 0; source is not null && depth < 64; depth++)
        {
            source = Unwrap(source);
            if (Candidate(ElementType(source.Type), symbols) is { } element)
            {
                return element;
            }

            switch (source)
            {
                case IInvocationOperation step when step.TargetMethod.IsExtensionMethod || SymbolEqualityComparer.Default.Equals(step.TargetMethod.ContainingType, extensions):
                    if (InStep(step, symbols) is { } earlier)
                    {
                        return earlier;
                    }

                    source = Source(step);
                    break;
                case ILocalReferenceOperation local when depth < 8:
                    source = Initializer(local.Local, source.SemanticModel);
                    break;
                default:
                    source = null;
                    break;
            }
        }

        return null;
    }

    private static IOperation? Unwrapped(IOperation? operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    private static IOperation? Source(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { Ordinal: 0 })
            {
                return argument.Value;
            }
        }

        return null;
    }

    private static IOperation? Initializer(ILocalSymbol local, SemanticModel? model)
    {
        if (model is null)
        {
            return null;
        }

        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree
                && reference.GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } value })
            {
                return model.GetOperation(value);
            }
        }

        return null;
    }

    /// <summary>A tenant-owned type a step of the query brings in: its result's element type, its type arguments (the navigation of an <c>Include</c>), and the navigations its lambdas read.</summary>
    private static ITypeSymbol? InStep(IInvocationOperation step, TenantSymbols symbols)
    {
        if (Candidate(ElementType(step.Type), symbols) is { } result)
        {
            return result;
        }

        foreach (var typeArgument in step.TargetMethod.TypeArguments)
        {
            if ((Candidate(typeArgument, symbols) ?? Candidate(ElementType(typeArgument), symbols)) is { } argumentType)
            {
                return argumentType;
            }
        }

        foreach (var argument in step.Arguments)
        {
            if (argument.Parameter is { Ordinal: 0 })
            {
                continue;
            }

            foreach (var operation in argument.Value.DescendantsAndSelf())
            {
                // A navigation read from a lambda's parameter, or a subquery on another set (db.Pages, db.Set<Page>()):
                // the filters are off for every entity of the query, subqueries included.
                if (operation is IMemberReferenceOperation member && (ReadFromParameter(member) || symbols.IsTenantOwnedSet(member.Type))
                    && (Candidate(operation.Type, symbols) ?? Candidate(ElementType(operation.Type), symbols)) is { } navigation)
                {
                    return navigation;
                }

                if (operation is IInvocationOperation set && symbols.IsTenantOwnedSetCall(set.TargetMethod))
                {
                    return set.TargetMethod.TypeArguments[0];
                }
            }
        }

        return null;
    }

    /// <summary>True for a navigation read from a lambda parameter (<c>c.Orders</c>, <c>c.Customer.Orders</c>), not from a captured value.</summary>
    private static bool ReadFromParameter(IMemberReferenceOperation member)
    {
        var instance = member.Instance;
        for (var depth = 0; instance is not null && depth < 16; depth++)
        {
            switch (Unwrap(instance))
            {
                case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } }:
                    return member is IPropertyReferenceOperation or IFieldReferenceOperation;
                case IMemberReferenceOperation outer:
                    instance = outer.Instance;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The <c>T</c> of an <c>IQueryable&lt;T&gt;</c>/<c>IEnumerable&lt;T&gt;</c> (or of a type implementing one), or null.</summary>
    private static ITypeSymbol? ElementType(ITypeSymbol? type)
    {
        if (type is null || type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        if (type is INamedTypeSymbol { IsGenericType: true } named && IsEnumerableOfT(named))
        {
            return named.TypeArguments[0];
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (IsEnumerableOfT(implemented))
            {
                return implemented.TypeArguments[0];
            }
        }

        return null;
    }

    private static bool IsEnumerableOfT(INamedTypeSymbol type) =>
        type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T;

    /// <summary>
    /// <paramref name="type"/> when it is tenant-owned, or a type parameter that can stand for a tenant-owned entity
    /// (no constraint rules it out: a generic repository's <c>T</c>).
    /// </summary>
    private static ITypeSymbol? Candidate(ITypeSymbol? type, TenantSymbols symbols)
    {
        if (type is null)
        {
            return null;
        }

        if (symbols.IsTenantOwned(type))
        {
            return type;
        }

        return type is ITypeParameterSymbol parameter && CanBeTenantOwned(parameter) ? type : null;
    }

    private static bool CanBeTenantOwned(ITypeParameterSymbol parameter)
    {
        if (parameter.HasValueTypeConstraint || parameter.HasUnmanagedTypeConstraint)
        {
            return false;
        }

        foreach (var constraint in parameter.ConstraintTypes)
        {
            // A sealed class or a struct that is not tenant-owned rules it out; an interface or an open class does not.
            if (constraint is INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, IsSealed: true } or INamedTypeSymbol { TypeKind: TypeKind.Struct })
            {
                return false;
            }

            if (constraint is ITypeParameterSymbol outer && !CanBeTenantOwned(outer))
            {
                return false;
            }
        }

        return true;
    }
}
