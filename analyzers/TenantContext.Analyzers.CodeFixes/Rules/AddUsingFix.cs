using System;
using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Text;

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
    /// <remarks>
    /// Not the batch fixer: it computes every fix against the original document, so two discarded <c>Enter(…)</c>
    /// calls in one method would both become <c>using var scope</c> (CS0128). This one fixes a document in one pass,
    /// in source order, and never gives two new declarations in one member the same name.
    /// </remarks>
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || !TryFindTarget(root, context.Span, out var statement, out var invocation))
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

    private static bool TryFindTarget(SyntaxNode root, TextSpan span, out StatementSyntax statement, out InvocationExpressionSyntax invocation)
    {
        statement = null!;
        invocation = null!;
        if (root.FindNode(span, getInnermostNodeForTie: true) is not { } node
            || node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault() is not { } found)
        {
            return false;
        }

        var target = found.Parent switch
        {
            ExpressionStatementSyntax expression => (StatementSyntax)expression,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax local } } }
                when local.UsingKeyword.RawKind == 0 && local.AwaitKeyword.RawKind == 0 && !local.IsConst => local,
            _ => null,
        };

        if (target?.Parent is not BlockSyntax)
        {
            return false;
        }

        statement = target;
        invocation = found;
        return true;
    }

    private static async Task<Document> FixAsync(Document document, StatementSyntax statement, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var replacement = Replacement(statement, invocation, model, new HashSet<string>(StringComparer.Ordinal));
        return document.WithSyntaxRoot(root.ReplaceNode(statement, replacement));
    }

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);

        // The names this batch has given, per member: C# forbids a local that repeats one in the same or an
        // enclosing scope, so within one member a name is used once.
        var taken = new Dictionary<SyntaxNode, HashSet<string>>();
        var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (!TryFindTarget(root, diagnostic.Location.SourceSpan, out var statement, out var invocation) || replacements.ContainsKey(statement))
            {
                continue;
            }

            var owner = (SyntaxNode?)statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? root;
            if (!taken.TryGetValue(owner, out var names))
            {
                taken[owner] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            replacements[statement] = Replacement(statement, invocation, model, names);
        }

        return replacements.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]));
    }

    /// <summary>
    /// <c>using var s = Enter(…);</c> for a declaration; <c>using var scope = Enter(…);</c> for a discarded call, with
    /// the first of <c>scope</c>, <c>scope2</c>, … that is neither in scope there nor in <paramref name="taken"/>
    /// (which receives it).
    /// </summary>
    private static LocalDeclarationStatementSyntax Replacement(StatementSyntax statement, InvocationExpressionSyntax invocation, SemanticModel? model, HashSet<string> taken)
    {
        if (statement is LocalDeclarationStatementSyntax local)
        {
            taken.Add(local.Declaration.Variables[0].Identifier.ValueText);
            return local.WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(local.GetLeadingTrivia())
                .WithDeclaration(local.Declaration.WithoutLeadingTrivia());
        }

        var name = "scope";
        for (var i = 2; taken.Contains(name) || model is not null && model.LookupSymbols(statement.SpanStart, name: name).Length > 0; i++)
        {
            name = "scope" + i;
        }

        taken.Add(name);
        return SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    SyntaxFactory.IdentifierName("var"),
                    SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                            .WithInitializer(SyntaxFactory.EqualsValueClause(invocation.WithoutTrivia())))))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }
}
