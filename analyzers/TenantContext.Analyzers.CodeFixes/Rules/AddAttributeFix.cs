using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>The fixes that mark the enclosing member with an attribute of the runtime (TC1001, TC1006).</summary>
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
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var node = root?.FindNode(context.Span, getInnermostNodeForTie: true);
        var target = node is null ? null : AttributeAdder.FindTarget(node);
        if (target is null || AttributeAdder.AlreadyHas(target, _attribute))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                $"Mark the enclosing member [{_attribute}]",
                ct => AttributeAdder.AddAsync(context.Document, target, _attribute, ct),
                equivalenceKey: GetType().Name),
            context.Diagnostics);
    }
}
