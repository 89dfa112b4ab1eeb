using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// The tenant-scoped uses a callback makes when it runs (TC1004, TC1010): a lambda's or local function's body, or the
/// method a method group names — a tenant-scoped method is itself the use; an ordinary method or local function declared
/// in the same file is read one level deep. Uses inside the callback's own scope (<c>using (snapshot.Enter())</c>,
/// <c>TenantContext.Run</c>, an <c>IsActive</c> guard) are not returned. One entry per use: nested lambdas are part of the
/// body that holds them.
/// </summary>
internal static class CallbackUses
{
    /// <summary>The callback a delegate-typed value carries (through conversions and the delegate creation): a lambda or a method reference, or null.</summary>
    public static IOperation? Callback(IOperation value)
    {
        while (value is IConversionOperation { Operand: { } operand })
        {
            value = operand;
        }

        if (value is IDelegateCreationOperation creation)
        {
            value = creation.Target;
        }

        return value is IAnonymousFunctionOperation or IMethodReferenceOperation ? value : null;
    }

    /// <summary>The uses <paramref name="callback"/> (a lambda, local function or method reference) makes outside its own scopes.</summary>
    public static List<(IOperation At, ISymbol Member)> Of(IOperation callback, TenantSymbols symbols, CancellationToken cancellationToken)
    {
        var uses = new List<(IOperation, ISymbol)>();
        switch (callback)
        {
            case IMethodReferenceOperation reference when symbols.IsTenantScoped(reference.Method):
                uses.Add((reference, reference.Method));
                break;
            case IMethodReferenceOperation reference:
                if (Declaration(reference.Method, reference, cancellationToken) is { } declared)
                {
                    Collect(declared, symbols, cancellationToken, uses);
                }

                break;
            case IAnonymousFunctionOperation or ILocalFunctionOperation:
                Collect(callback, symbols, cancellationToken, uses);
                break;
        }

        return uses;
    }

    /// <summary>The operation of a method's or local function's declaration in the file of <paramref name="from"/>, or null (elsewhere, abstract, metadata).</summary>
    public static IOperation? Declaration(IMethodSymbol method, IOperation from, CancellationToken cancellationToken)
    {
        if (from.SemanticModel is not { } model)
        {
            return null;
        }

        foreach (var reference in method.OriginalDefinition.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == model.SyntaxTree
                && model.GetOperation(reference.GetSyntax(cancellationToken), cancellationToken) is { } declared
                && declared is IMethodBodyOperation or ILocalFunctionOperation)
            {
                return declared;
            }
        }

        return null;
    }

    private static void Collect(IOperation function, TenantSymbols symbols, CancellationToken cancellationToken, List<(IOperation, ISymbol)> uses)
    {
        if (function.SemanticModel is not { } model)
        {
            return;
        }

        var body = function switch
        {
            IAnonymousFunctionOperation lambda => (IOperation)lambda.Body,
            ILocalFunctionOperation local => (IOperation?)local.Body ?? local.IgnoredBody,
            IMethodBodyOperation method => (IOperation?)method.BlockBody ?? method.ExpressionBody,
            _ => null,
        };

        if (body is null)
        {
            return;
        }

        foreach (var operation in body.Descendants())
        {
            var member = operation switch
            {
                IInvocationOperation call => call.TargetMethod,
                IPropertyReferenceOperation property => property.Property,
                IFieldReferenceOperation field => field.Field,
                IMethodReferenceOperation method => method.Method,
                IObjectCreationOperation creation => (ISymbol?)creation.Constructor,
                _ => null,
            };

            if (member is not null
                && (symbols.IsTenantScoped(member) || member is IMethodSymbol set && symbols.DbContext is not null && symbols.IsTenantOwnedSetCall(set))
                && TenantScopes.Classify(operation.Syntax, null, model, symbols, cancellationToken, boundary: function.Syntax) == UseKind.OutsideScope)
            {
                uses.Add((operation, member));
            }
        }
    }
}
