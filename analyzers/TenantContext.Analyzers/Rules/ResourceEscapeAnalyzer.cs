using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1005: a tenant resource (the value of <c>GetDb()</c>, <c>GetStorage()</c>, <c>GetRenderer()</c>, <c>Get&lt;T&gt;()</c> or
/// an accessor) stored in a static field or property, directly, through a local, or captured by a lambda stored
/// there.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResourceEscapeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResourceEscapesScope);

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

            start.RegisterOperationAction(c =>
            {
                var assignment = (IAssignmentOperation)c.Operation;
                if (StaticTarget(assignment.Target) is { } target)
                {
                    Check(c, assignment.Value, target, symbols);
                }
            }, OperationKind.SimpleAssignment, OperationKind.CoalesceAssignment);

            start.RegisterOperationAction(c =>
            {
                var initializer = (IFieldInitializerOperation)c.Operation;
                foreach (var field in initializer.InitializedFields)
                {
                    if (field.IsStatic)
                    {
                        Check(c, initializer.Value, field, symbols);
                        return;
                    }
                }
            }, OperationKind.FieldInitializer);

            start.RegisterOperationAction(c =>
            {
                var initializer = (IPropertyInitializerOperation)c.Operation;
                foreach (var property in initializer.InitializedProperties)
                {
                    if (property.IsStatic)
                    {
                        Check(c, initializer.Value, property, symbols);
                        return;
                    }
                }
            }, OperationKind.PropertyInitializer);
        });
    }

    private static ISymbol? StaticTarget(IOperation target) => target switch
    {
        IFieldReferenceOperation { Field.IsStatic: true } field => field.Field,
        IPropertyReferenceOperation { Property.IsStatic: true } property => property.Property,
        _ => null,
    };

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
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

    private static void Check(OperationAnalysisContext context, IOperation value, ISymbol target, TenantSymbols symbols)
    {
        var unwrapped = Unwrap(value);
        if (Resource(unwrapped, symbols) is { } resource)
        {
            Report(context, value, $"'{Display.Member(resource)}'", target);
            return;
        }

        if (unwrapped is ILocalReferenceOperation local && LocalResource(local.Local, value.SemanticModel, symbols, context.CancellationToken) is { } localResource)
        {
            Report(context, value, $"'{local.Local.Name}' (from '{Display.Member(localResource)}')", target);
            return;
        }

        var lambda = unwrapped switch
        {
            IDelegateCreationOperation { Target: IAnonymousFunctionOperation function } => function,
            IAnonymousFunctionOperation function => function,
            _ => null,
        };

        if (lambda is null)
        {
            return;
        }

        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is ILocalReferenceOperation captured
                && !SymbolEqualityComparer.Default.Equals(captured.Local.ContainingSymbol, lambda.Symbol)
                && !IsDeclaredInside(captured.Local, lambda)
                && LocalResource(captured.Local, value.SemanticModel, symbols, context.CancellationToken) is { } capturedResource)
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

    private static ISymbol? LocalResource(ILocalSymbol local, SemanticModel? model, TenantSymbols symbols, System.Threading.CancellationToken cancellationToken)
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
