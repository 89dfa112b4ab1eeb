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
/// TC1003: disposes the scope with <c>using</c> — <c>var s = Enter(…);</c> becomes <c>using var s = Enter(…);</c>, and a
/// discarded <c>Enter(…);</c> (or <c>_ = Enter(…);</c>, <c>snapshot?.Enter();</c>) becomes <c>using var scope = Enter(…);</c>
/// with a name no enclosing or nested scope uses. A <c>using</c> declaration lasts to the end of its block, so the fix is
/// offered only where that keeps the scope over every statement the undisposed scope reached in the member: never when
/// statements follow the block in an enclosing one, never when nothing follows it (the scope was meant for a caller),
/// never for a local that is reassigned or passed by reference, and never across a label (CS8648). An explicit
/// <c>Dispose()</c> further down is kept: the scope still ends there.
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
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || !TryFindTarget(root, model, context.Span, context.CancellationToken, out var statement, out var scope))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Dispose the scope with 'using'",
                ct => FixAsync(context.Document, statement, scope, ct),
                equivalenceKey: nameof(AddUsingFix)),
            context.Diagnostics);
    }

    private static bool TryFindTarget(
        SyntaxNode root, SemanticModel model, TextSpan span, CancellationToken cancellationToken, out StatementSyntax statement, out ExpressionSyntax scope)
    {
        statement = null!;
        scope = null!;
        if (root.FindNode(span, getInnermostNodeForTie: true) is not { } node
            || node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault() is not { } invocation)
        {
            return false;
        }

        // The whole expression that yields the scope: the call, or 'snapshot?.Enter()' around it.
        ExpressionSyntax value = invocation;
        if (invocation.Parent is ConditionalAccessExpressionSyntax conditional && conditional.WhenNotNull == invocation)
        {
            value = conditional;
        }

        StatementSyntax? target = value.Parent switch
        {
            ExpressionStatementSyntax expression => expression,
            AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax discard } assignment
                when assignment.Right == value && model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is null or IDiscardSymbol => discard,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax local } } }
                when local.UsingKeyword.RawKind == 0 && local.AwaitKeyword.RawKind == 0 && !local.IsConst => local,
            _ => null,
        };

        if (target is null || !KeepsEveryStatementInScope(target) || CrossesALabel(target))
        {
            return false;
        }

        if (target is LocalDeclarationStatementSyntax declaration
            && (!IsDisposable(declaration, model, cancellationToken) || IsWrittenLater(declaration, model, cancellationToken)))
        {
            return false;
        }

        statement = target;
        scope = value;
        return true;
    }

    /// <summary>The statements that hold <paramref name="statement"/>: its block's, or the top-level statements.</summary>
    private static IReadOnlyList<StatementSyntax>? Siblings(StatementSyntax statement) => statement.Parent switch
    {
        BlockSyntax block => block.Statements,
        GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } => unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList(),
        _ => null,
    };

    /// <summary>
    /// A using declaration ends with its block. The undisposed scope reached everything after it in the member, so the
    /// fix is safe only when the block runs to the end of the member (nothing follows the block in an enclosing one), and
    /// worth making only when something follows the statement in its block.
    /// </summary>
    private static bool KeepsEveryStatementInScope(StatementSyntax statement)
    {
        var siblings = Siblings(statement);
        if (siblings is null || siblings.Count == 0 || siblings[siblings.Count - 1] == statement)
        {
            return false;
        }

        for (SyntaxNode? node = statement.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case GlobalStatementSyntax:
                case BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax:
                    return true;
                case StatementSyntax inner when inner.Parent is BlockSyntax outer:
                    if (outer.Statements.IndexOf(inner) != outer.Statements.Count - 1)
                    {
                        return false;
                    }

                    break;
                case StatementSyntax inner when inner.Parent is SwitchSectionSyntax or GlobalStatementSyntax:
                    return false;
            }
        }

        return false;
    }

    /// <summary>A goto may not jump to a label before a using declaration in the same block (CS8648).</summary>
    private static bool CrossesALabel(StatementSyntax statement) =>
        statement.Parent is BlockSyntax block && block.DescendantNodes().OfType<LabeledStatementSyntax>().Any();

    private static bool IsDisposable(LocalDeclarationStatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var type = model.GetTypeInfo(declaration.Declaration.Type, cancellationToken).Type;
        var disposable = model.Compilation.GetSpecialType(SpecialType.System_IDisposable);
        return type is not null && (SymbolEqualityComparer.Default.Equals(type, disposable) || type.AllInterfaces.Contains(disposable, SymbolEqualityComparer.Default));
    }

    /// <summary>A using variable is read-only (CS1656): assigned again, or passed by <c>ref</c>/<c>out</c>, it cannot become one.</summary>
    private static bool IsWrittenLater(LocalDeclarationStatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var variable = declaration.Declaration.Variables[0];
        var local = model.GetDeclaredSymbol(variable, cancellationToken);
        var body = declaration.Parent?.Parent is GlobalStatementSyntax { Parent: { } unit } ? unit : declaration.Parent;
        if (local is null || body is null)
        {
            return true;
        }

        foreach (var name in body.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                continue;
            }

            var use = (ExpressionSyntax)name;
            while (use.Parent is ParenthesizedExpressionSyntax parenthesized)
            {
                use = parenthesized;
            }

            switch (use.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == use:
                case ArgumentSyntax argument when argument.RefKindKeyword.RawKind != 0:
                case RefExpressionSyntax:
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.AddressOfExpression }:
                    return true;
            }
        }

        return false;
    }

    private static async Task<Document> FixAsync(Document document, StatementSyntax statement, ExpressionSyntax scope, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var replacement = Replacement(statement, scope, model, new HashSet<string>(StringComparer.Ordinal));
        return document.WithSyntaxRoot(root.ReplaceNode(statement, replacement));
    }

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        // The names this batch has given, per member: C# forbids a local that repeats one in the same or an
        // enclosing scope, so within one member a name is used once.
        var taken = new Dictionary<SyntaxNode, HashSet<string>>();
        var replacements = new Dictionary<SyntaxNode, SyntaxNode>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (!TryFindTarget(root, model, diagnostic.Location.SourceSpan, context.CancellationToken, out var statement, out var scope) || replacements.ContainsKey(statement))
            {
                continue;
            }

            var owner = Owner(statement);
            if (!taken.TryGetValue(owner, out var names))
            {
                taken[owner] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            replacements[statement] = Replacement(statement, scope, model, names);
        }

        return replacements.Count == 0 ? document : document.WithSyntaxRoot(root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]));
    }

    /// <summary>The member (or the file, for top-level statements) whose locals share one declaration space.</summary>
    private static SyntaxNode Owner(SyntaxNode statement) =>
        (SyntaxNode?)statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? statement.SyntaxTree.GetRoot();

    /// <summary>
    /// <c>using var s = Enter(…);</c> for a declaration; <c>using var scope = Enter(…);</c> for a discarded call, with the
    /// first of <c>scope</c>, <c>scope2</c>, … that no symbol in scope there, no identifier of the member (a nested local
    /// or lambda parameter of that name would be CS0136; a field of that name, read later, would change meaning) and
    /// nothing in <paramref name="taken"/> uses (which receives it).
    /// </summary>
    private static LocalDeclarationStatementSyntax Replacement(StatementSyntax statement, ExpressionSyntax scope, SemanticModel model, HashSet<string> taken)
    {
        if (statement is LocalDeclarationStatementSyntax local)
        {
            taken.Add(local.Declaration.Variables[0].Identifier.ValueText);
            return local.WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                .WithLeadingTrivia(local.GetLeadingTrivia())
                .WithDeclaration(local.Declaration.WithoutLeadingTrivia());
        }

        var used = new HashSet<string>(
            Owner(statement).DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText),
            StringComparer.Ordinal);
        var name = "scope";
        for (var i = 2; taken.Contains(name) || used.Contains(name) || model.LookupSymbols(statement.SpanStart, name: name).Length > 0; i++)
        {
            name = "scope" + i;
        }

        taken.Add(name);
        return SyntaxFactory.LocalDeclarationStatement(
                SyntaxFactory.VariableDeclaration(
                    SyntaxFactory.IdentifierName("var"),
                    SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                            .WithInitializer(SyntaxFactory.EqualsValueClause(scope.WithoutTrivia())))))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }
}
