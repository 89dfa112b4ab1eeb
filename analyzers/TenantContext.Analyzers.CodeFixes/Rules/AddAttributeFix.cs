using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>
/// The fixes that mark a declaration with an attribute of the runtime (TC1001, TC1006): the lambda or local function the
/// use is in, else the member — as the diagnostic's properties say. Where nothing can be marked (an override of a member
/// that does not require a tenant, top-level statements, a static constructor, an initializer) no fix is offered: the
/// diagnostic says to enter a scope, and no tenant is known there to enter one automatically.
/// </summary>
public abstract class AddAttributeFix : CodeFixProvider
{
    private readonly string _attribute;

    /// <summary>Creates the fix for <paramref name="diagnosticId"/>, adding <c>[<paramref name="attribute"/>]</c>.</summary>
    /// <param name="diagnosticId">The diagnostic it fixes.</param>
    /// <param name="attribute">The attribute's short name, without <c>Attribute</c>.</param>
    protected AddAttributeFix(string diagnosticId, string attribute)
    {
        FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);
        _attribute = attribute;
    }

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    /// <remarks>One pass per document: every declaration marked once, the namespace imported once.</remarks>
    public sealed override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var targets = new List<SyntaxNode>();
        foreach (var diagnostic in diagnostics)
        {
            var target = AttributeAdder.FindTarget(root, diagnostic, model, _attribute, context.CancellationToken);
            if (target is not null && !AttributeAdder.AlreadyHas(target, _attribute) && !targets.Contains(target))
            {
                targets.Add(target);
            }
        }

        return await AttributeAdder.AddAsync(document, targets, _attribute, context.CancellationToken).ConfigureAwait(false);
    });

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var target = AttributeAdder.FindTarget(root, diagnostic, model, _attribute, context.CancellationToken);
            if (target is null || AttributeAdder.AlreadyHas(target, _attribute))
            {
                continue;
            }

            var what = target switch
            {
                ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax => "the lambda",
                LocalFunctionStatementSyntax local => $"local function '{local.Identifier.ValueText}'",
                _ => "the enclosing member",
            };
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Mark {what} [{_attribute}]",
                    ct => AttributeAdder.AddAsync(context.Document, new[] { target }, _attribute, ct),
                    equivalenceKey: GetType().Name),
                diagnostic);
        }
    }
}
