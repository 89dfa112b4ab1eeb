using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>TC1001: marks the enclosing member <c>[RequiresTenant]</c>, moving the obligation to its callers.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddRequiresTenantFix))]
[Shared]
public sealed class AddRequiresTenantFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.RequiresTenant);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var node = root?.FindNode(context.Span, getInnermostNodeForTie: true);
        var target = node is null ? null : AttributeAdder.FindTarget(node);
        if (target is null || AttributeAdder.AlreadyHas(target, "RequiresTenant"))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Mark the enclosing member [RequiresTenant]",
                ct => AttributeAdder.AddAsync(context.Document, target, "RequiresTenant", ct),
                equivalenceKey: nameof(AddRequiresTenantFix)),
            context.Diagnostics);
    }
}
