using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>
/// TC1003: disposes the scope with <c>using</c> — <c>var s = Enter(…);</c> becomes <c>using var s = Enter(…);</c>,
/// and a discarded <c>Enter(…);</c> becomes <c>using var scope = Enter(…);</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddUsingFix))]
[Shared]
public sealed class AddUsingFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ScopeNotDisposed);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span, getInnermostNodeForTie: true) is not { } node)
        {
            return;
        }

        var invocation = node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
        var statement = invocation?.Parent switch
        {
            ExpressionStatementSyntax expression => (StatementSyntax)expression,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax local } } }
                when local.UsingKeyword.RawKind == 0 && local.AwaitKeyword.RawKind == 0 && !local.IsConst => local,
            _ => null,
        };

        if (invocation is null || statement?.Parent is not BlockSyntax)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Dispose the scope with 'using'",
                ct => FixAsync(context.Document, statement, invocation, ct),
                equivalenceKey: nameof(AddUsingFix)),
            context.Diagnostics);
    }

    private static async Task<Document> FixAsync(Document document, StatementSyntax statement, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        LocalDeclarationStatementSyntax replacement;
        if (statement is LocalDeclarationStatementSyntax local)
        {
            replacement = local.WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(local.GetLeadingTrivia())
                .WithDeclaration(local.Declaration.WithoutLeadingTrivia());
        }
        else
        {
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var name = "scope";
            for (var i = 2; model is not null && model.LookupSymbols(statement.SpanStart, name: name).Length > 0; i++)
            {
                name = "scope" + i;
            }

            replacement = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.IdentifierName("var"),
                        SyntaxFactory.SingletonSeparatedList(
                            SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                                .WithInitializer(SyntaxFactory.EqualsValueClause(invocation.WithoutTrivia())))))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
                .WithTriviaFrom(statement)
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        return document.WithSyntaxRoot(root.ReplaceNode(statement, replacement));
    }
}
