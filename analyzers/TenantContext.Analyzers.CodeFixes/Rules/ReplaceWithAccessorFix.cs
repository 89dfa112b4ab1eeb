using System.Collections.Immutable;
using System.Linq;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>
/// TC1002: replaces a singleton reference with the tenant accessor its declaration or list entry names — only where
/// the accessor can stand in exactly: a read (never the target of an assignment, <c>ref</c>/<c>out</c> or <c>++</c>: an
/// accessor is get-only), a static field or property of the very same type (so nothing that reads the value changes
/// meaning), and a singleton read without a receiver that does work (nothing is lost by dropping it).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplaceWithAccessorFix))]
[Shared]
public sealed class ReplaceWithAccessorFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TenantSingletonUse);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.Replacement, out var replacement) || replacement is null
                || root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax reference
                || model is null || !CanStandIn(reference, replacement, model, context.CancellationToken))
            {
                continue;
            }

            var shown = replacement.StartsWith("global::", System.StringComparison.Ordinal) ? replacement.Substring(8) : replacement;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use '{shown}'",
                    ct => ReplaceAsync(context.Document, reference, replacement, ct),
                    equivalenceKey: nameof(ReplaceWithAccessorFix)),
                diagnostic);
        }
    }

    /// <summary>Whether <paramref name="replacement"/> can replace <paramref name="reference"/> without changing what compiles.</summary>
    private static bool CanStandIn(ExpressionSyntax reference, string replacement, SemanticModel model, CancellationToken cancellationToken)
    {
        if (reference is MemberBindingExpressionSyntax
            || model.GetSymbolInfo(reference, cancellationToken).Symbol is not { } singleton || IsWritten(reference) || HasWorkingReceiver(reference))
        {
            return false;
        }

        var accessor = model.GetSpeculativeSymbolInfo(reference.SpanStart, SyntaxFactory.ParseExpression(replacement), SpeculativeBindingOption.BindAsExpression).Symbol;
        return accessor is IFieldSymbol or IPropertySymbol && accessor.IsStatic
               && TypeOf(accessor) is { } accessorType && TypeOf(singleton) is { } singletonType
               && SymbolEqualityComparer.Default.Equals(accessorType, singletonType);
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    private static bool IsWritten(ExpressionSyntax reference)
    {
        var use = reference;
        while (use.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            use = parenthesized;
        }

        return use.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == use,
            ArgumentSyntax argument => argument.RefKindKeyword.RawKind != 0,
            PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) || prefix.IsKind(SyntaxKind.AddressOfExpression),
            PostfixUnaryExpressionSyntax postfix => postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression),
            RefExpressionSyntax => true,
            _ => false,
        };
    }

    /// <summary><c>GetGlobals().Storage</c>: replacing it would drop the call.</summary>
    private static bool HasWorkingReceiver(ExpressionSyntax reference) =>
        reference is MemberAccessExpressionSyntax { Expression: var receiver }
        && receiver.DescendantNodesAndSelf().Any(n => n is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or AssignmentExpressionSyntax
            or PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax or AwaitExpressionSyntax or ElementAccessExpressionSyntax);

    private static async Task<Document> ReplaceAsync(Document document, ExpressionSyntax reference, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var accessor = SyntaxFactory.ParseExpression(replacement)
            .WithTriviaFrom(reference)
            .WithAdditionalAnnotations(Simplifier.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(reference, accessor));
    }
}
