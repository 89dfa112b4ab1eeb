using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>Adds a <c>Tenancy</c> attribute to the member that encloses a diagnostic, importing the namespace.</summary>
internal static class AttributeAdder
{
    /// <summary>
    /// The declaration that can carry the attribute: a local function, method, constructor, property, indexer or
    /// event (an accessor resolves to its property). Null for top-level statements and field initializers.
    /// </summary>
    public static SyntaxNode? FindTarget(SyntaxNode node)
    {
        foreach (var ancestor in node.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case LocalFunctionStatementSyntax:
                case MethodDeclarationSyntax:
                case ConstructorDeclarationSyntax:
                case PropertyDeclarationSyntax:
                case IndexerDeclarationSyntax:
                case EventDeclarationSyntax:
                    return ancestor;
                case FieldDeclarationSyntax:
                case GlobalStatementSyntax:
                case BaseTypeDeclarationSyntax:
                case OperatorDeclarationSyntax:
                case ConversionOperatorDeclarationSyntax:
                case DestructorDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    public static async Task<Document> AddAsync(Document document, SyntaxNode target, string attributeName, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var name = SyntaxFactory.ParseName("global::Tenancy." + attributeName).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(name)));
        var generator = SyntaxGenerator.GetGenerator(document);
        var updated = generator.AddAttributes(target, list).WithAdditionalAnnotations(Formatter.Annotation);
        root = root.ReplaceNode(target, updated);
        if (root is CompilationUnitSyntax unit && !ImportsTenancy(unit))
        {
            var newLine = unit.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { } eol && eol.RawKind != 0
                ? SyntaxFactory.EndOfLine(eol.ToString())
                : SyntaxFactory.EndOfLine("\n");
            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("Tenancy")).WithTrailingTrivia(newLine);
            if (unit.Usings.Count == 0)
            {
                directive = directive.WithTrailingTrivia(newLine, newLine);
            }

            root = unit.AddUsings(directive.WithAdditionalAnnotations(Formatter.Annotation));
        }

        return document.WithSyntaxRoot(root);
    }

    private static bool ImportsTenancy(CompilationUnitSyntax unit) =>
        unit.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<UsingDirectiveSyntax>()
            .Any(u => u.Alias is null && u.StaticKeyword.RawKind == 0 && u.Name?.ToString() is "Tenancy" or "global::Tenancy");

    /// <summary>True when the declaration already carries the attribute (then the fix has nothing to add).</summary>
    public static bool AlreadyHas(SyntaxNode target, string attributeName) =>
        target.DescendantNodes(n => n == target || n is AttributeListSyntax).OfType<AttributeSyntax>().Any(a =>
            a.Name.ToString() is var n && (n.EndsWith(attributeName, System.StringComparison.Ordinal)
                                            || n.EndsWith(attributeName + "Attribute", System.StringComparison.Ordinal)));
}
