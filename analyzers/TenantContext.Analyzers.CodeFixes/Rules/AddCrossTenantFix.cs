using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>TC1006: marks the enclosing member <c>[CrossTenant]</c>, stating that it reads across tenants on purpose.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCrossTenantFix))]
[Shared]
public sealed class AddCrossTenantFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.IgnoreQueryFilters);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var node = root?.FindNode(context.Span, getInnermostNodeForTie: true);
        var target = node is null ? null : AttributeAdder.FindTarget(node);
        if (target is null || AttributeAdder.AlreadyHas(target, "CrossTenant"))
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Mark the enclosing member [CrossTenant]",
                ct => AttributeAdder.AddAsync(context.Document, target, "CrossTenant", ct),
                equivalenceKey: nameof(AddCrossTenantFix)),
            context.Diagnostics);
    }
}
