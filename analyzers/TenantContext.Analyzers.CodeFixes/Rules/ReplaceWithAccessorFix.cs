using System.Collections.Immutable;
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

/// <summary>TC1002: replaces a singleton reference with the tenant accessor its declaration or list entry names.</summary>
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
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(TenantSingletonAnalyzer.ReplacementProperty, out var replacement) || replacement is null
                || root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax reference)
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
