using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace Tenancy.Analyzers.CodeFixes;

/// <summary>
/// Adds a <c>Tenancy</c> attribute to the declaration a diagnostic names — a lambda, a local function or a member — and
/// nowhere the attribute is not allowed or would break the build: never on a static constructor, an initializer, an
/// anonymous method, or (for <c>[RequiresTenant]</c>) an override or interface implementation whose base member does
/// not require a tenant (TC1007).
/// </summary>
internal static class AttributeAdder
{
    /// <summary>The diagnostic properties TC1001/TC1006 carry (the analyzers' <c>DiagnosticProperties</c>).</summary>
    private static class Keys
    {
        public const string Fix = "Fix";
        public const string FixMarkLambda = "MarkLambda";
        public const string FixMarkLocalFunction = "MarkLocalFunction";
        public const string FixMarkMember = "MarkMember";
        public const string TargetSpan = "TargetSpan";
    }

    /// <summary>
    /// The declaration to mark for <paramref name="diagnostic"/>, or null when none can be marked. The analyzers say which
    /// (<c>Fix</c>, <c>TargetSpan</c>); every target is checked
    /// again here against the attribute's allowed targets.
    /// </summary>
    public static SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic, SemanticModel model, string attributeName, CancellationToken cancellationToken)
    {
        SyntaxNode? target;
        if (diagnostic.Properties.TryGetValue(Keys.Fix, out var fix))
        {
            if (fix is not (Keys.FixMarkLambda or Keys.FixMarkLocalFunction or Keys.FixMarkMember)
                || !diagnostic.Properties.TryGetValue(Keys.TargetSpan, out var spanText)
                || !TryParseSpan(spanText, out var span) || !root.FullSpan.Contains(span))
            {
                return null;
            }

            target = root.FindNode(span, getInnermostNodeForTie: true).AncestorsAndSelf().FirstOrDefault(n => n.Span == span && IsDeclaration(n));
        }
        else
        {
            target = FallbackTarget(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true));
        }

        return target is not null && CanCarry(target, model, attributeName, cancellationToken) ? target : null;
    }

    private static bool IsDeclaration(SyntaxNode node) =>
        node is ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax;

    private static bool TryParseSpan(string? text, out TextSpan span)
    {
        span = default;
        var parts = text?.Split(',');
        if (parts is not { Length: 2 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return false;
        }

        span = new TextSpan(start, length);
        return true;
    }

    /// <summary>Without the analyzers' properties: the innermost lambda or local function, else the member.</summary>
    private static SyntaxNode? FallbackTarget(SyntaxNode node)
    {
        foreach (var ancestor in node.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax or LocalFunctionStatementSyntax:
                    return ancestor;
                case AnonymousMethodExpressionSyntax:
                case GlobalStatementSyntax:
                case FieldDeclarationSyntax:
                case EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax }:
                    return null;
                case MemberDeclarationSyntax member:
                    return member;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="target"/> may carry the attribute and keep the build green.</summary>
    private static bool CanCarry(SyntaxNode target, SemanticModel model, string attributeName, CancellationToken cancellationToken)
    {
        var attribute = model.Compilation.GetTypeByMetadataName("Tenancy." + attributeName + "Attribute");
        if (attribute is null)
        {
            return false;
        }

        var allowed = AllowedTargets(attribute);
        switch (target)
        {
            case ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax:
                // An attribute on a lambda is a method attribute; a lambda quoted as an expression tree cannot carry one (CS8972).
                return (allowed & AttributeTargets.Method) != 0
                       && model.GetTypeInfo(target, cancellationToken).ConvertedType is not INamedTypeSymbol { Name: "Expression" };
            case LocalFunctionStatementSyntax:
                return (allowed & AttributeTargets.Method) != 0;
            case ConstructorDeclarationSyntax constructor:
                return (allowed & AttributeTargets.Constructor) != 0 && !constructor.Modifiers.Any(SyntaxKind.StaticKeyword);
            case MethodDeclarationSyntax or OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax:
                return (allowed & AttributeTargets.Method) != 0 && !IsUnmarkableOverride(target, model, attributeName, cancellationToken);
            case PropertyDeclarationSyntax or IndexerDeclarationSyntax:
                return (allowed & AttributeTargets.Property) != 0 && !IsUnmarkableOverride(target, model, attributeName, cancellationToken);
            case EventDeclarationSyntax or EventFieldDeclarationSyntax:
                return (allowed & AttributeTargets.Event) != 0 && !IsUnmarkableOverride(target, model, attributeName, cancellationToken);
            default:
                return false;
        }
    }

    private static AttributeTargets AllowedTargets(INamedTypeSymbol attribute)
    {
        foreach (var usage in attribute.GetAttributes())
        {
            if (usage.AttributeClass?.ToDisplayString() == "System.AttributeUsageAttribute"
                && usage.ConstructorArguments.Length > 0 && usage.ConstructorArguments[0].Value is int targets)
            {
                return (AttributeTargets)targets;
            }
        }

        return AttributeTargets.All;
    }

    /// <summary>
    /// <c>[RequiresTenant]</c> on an override or implementation of a member that does not require a tenant is TC1007:
    /// callers through the base would never be checked. (<c>[CrossTenant]</c> may go there.)
    /// </summary>
    private static bool IsUnmarkableOverride(SyntaxNode declaration, SemanticModel model, string attributeName, CancellationToken cancellationToken)
    {
        if (attributeName != "RequiresTenant")
        {
            return false;
        }

        var node = declaration is EventFieldDeclarationSyntax field ? field.Declaration.Variables.FirstOrDefault() : declaration;
        if (node is null || model.GetDeclaredSymbol(node, cancellationToken) is not { } member)
        {
            return true;
        }

        var requires = model.Compilation.GetTypeByMetadataName("Tenancy.RequiresTenantAttribute");
        bool Requires(ISymbol s) => s.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, requires))
                                    || s.ContainingType is { } t && t.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, requires));

        var overridden = member switch
        {
            IMethodSymbol m => (ISymbol?)m.OverriddenMethod,
            IPropertySymbol p => p.OverriddenProperty,
            IEventSymbol e => e.OverriddenEvent,
            _ => null,
        };
        if (overridden is not null && !Requires(overridden))
        {
            return true;
        }

        if (member.ContainingType is not { } type)
        {
            return false;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            foreach (var interfaceMember in implemented.GetMembers())
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMember), member) && !Requires(interfaceMember))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when the declaration already carries the attribute (then the fix has nothing to add).</summary>
    public static bool AlreadyHas(SyntaxNode target, string attributeName)
    {
        var lists = target switch
        {
            ParenthesizedLambdaExpressionSyntax lambda => lambda.AttributeLists,
            LocalFunctionStatementSyntax local => local.AttributeLists,
            MemberDeclarationSyntax member => member.AttributeLists,
            _ => default,
        };
        return lists.SelectMany(l => l.Attributes).Any(a =>
            a.Name.ToString() is var n && (n.EndsWith(attributeName, StringComparison.Ordinal) || n.EndsWith(attributeName + "Attribute", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Adds <c>[<paramref name="attributeName"/>]</c> to every target (each once). The short name is used where it binds to
    /// the runtime's attribute; <c>using Tenancy;</c> is added when that makes no name of the file ambiguous; otherwise
    /// the name is written <c>global::Tenancy.X</c>.
    /// </summary>
    public static async Task<Document> AddAsync(Document document, IReadOnlyCollection<SyntaxNode> targets, string attributeName, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || targets.Count == 0)
        {
            return document;
        }

        var attribute = model.Compilation.GetTypeByMetadataName("Tenancy." + attributeName + "Attribute");
        var shortEverywhere = targets.All(t => ShortNameBinds(model, t.SpanStart, attributeName, attribute));
        var addUsing = !shortEverywhere && root is CompilationUnitSyntax && UsingIsSafe(root, model, targets, attributeName);
        var generator = SyntaxGenerator.GetGenerator(document);

        var newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } eol
            ? SyntaxFactory.EndOfLine(eol.ToString())
            : SyntaxFactory.EndOfLine("\n");
        var distinct = targets.Distinct().ToList();
        root = root.ReplaceNodes(distinct, (original, current) =>
        {
            var name = shortEverywhere || addUsing || ShortNameBinds(model, original.SpanStart, attributeName, attribute)
                ? attributeName
                : "global::Tenancy." + attributeName;
            var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))));
            return Add(current, list, generator, newLine);
        });

        if (addUsing && root is CompilationUnitSyntax unit)
        {
            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName("Tenancy")).WithTrailingTrivia(newLine);
            if (unit.Usings.Count == 0)
            {
                directive = directive.WithTrailingTrivia(newLine, newLine);
            }

            root = unit.AddUsings(directive);
        }

        return document.WithSyntaxRoot(root);
    }

    private static SyntaxNode Add(SyntaxNode target, AttributeListSyntax list, SyntaxGenerator generator, SyntaxTrivia newLine)
    {
        switch (target)
        {
            case SimpleLambdaExpressionSyntax simple:
                // An attribute needs a parenthesized parameter list: x => … becomes [A] (x) => ….
                var parenthesized = SyntaxFactory.ParenthesizedLambdaExpression(
                        simple.Modifiers,
                        SyntaxFactory.ParameterList(SyntaxFactory.SingletonSeparatedList(simple.Parameter.WithoutTrivia())).WithTrailingTrivia(simple.Parameter.GetTrailingTrivia()),
                        simple.ArrowToken,
                        simple.Block,
                        simple.ExpressionBody)
                    .WithLeadingTrivia(simple.GetLeadingTrivia());
                return Add(parenthesized, list, generator, newLine);
            case ParenthesizedLambdaExpressionSyntax lambda:
                return lambda.WithoutLeadingTrivia()
                    .WithAttributeLists(lambda.AttributeLists.Add(list.WithTrailingTrivia(SyntaxFactory.Space)))
                    .WithLeadingTrivia(lambda.GetLeadingTrivia());
            case LocalFunctionStatementSyntax local:
                var leading = local.GetLeadingTrivia();
                var indentation = SyntaxFactory.TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
                var bare = local.WithoutLeadingTrivia();
                var first = bare.GetFirstToken();
                bare = bare.ReplaceToken(first, first.WithLeadingTrivia(indentation));
                return bare.WithAttributeLists(bare.AttributeLists.Insert(0, list.WithLeadingTrivia(leading).WithTrailingTrivia(newLine)));
            default:
                return generator.AddAttributes(target, list).WithAdditionalAnnotations(Formatter.Annotation);
        }
    }

    /// <summary>Whether <c>[Name]</c> at <paramref name="position"/> already means the runtime's attribute.</summary>
    private static bool ShortNameBinds(SemanticModel model, int position, string attributeName, INamedTypeSymbol? attribute)
    {
        var full = model.LookupNamespacesAndTypes(position, name: attributeName + "Attribute");
        var bare = model.LookupNamespacesAndTypes(position, name: attributeName);
        return full.Length == 1 && SymbolEqualityComparer.Default.Equals(full[0], attribute) && bare.IsEmpty;
    }

    /// <summary>
    /// <c>using Tenancy;</c> is safe when nothing of that name is in scope at the targets already (so <c>[X]</c> cannot be
    /// ambiguous) and no identifier of the file names a type of <c>Tenancy</c> (which could become ambiguous, CS0104).
    /// </summary>
    private static bool UsingIsSafe(SyntaxNode root, SemanticModel model, IEnumerable<SyntaxNode> targets, string attributeName)
    {
        foreach (var target in targets)
        {
            if (!model.LookupNamespacesAndTypes(target.SpanStart, name: attributeName).IsEmpty
                || !model.LookupNamespacesAndTypes(target.SpanStart, name: attributeName + "Attribute").IsEmpty)
            {
                return false;
            }
        }

        var tenancy = model.Compilation.GlobalNamespace.GetNamespaceMembers().FirstOrDefault(n => n.Name == "Tenancy");
        if (tenancy is null)
        {
            return false;
        }

        // A simple name the using could capture: one of Tenancy's type names, standing alone (not after a dot), that means
        // something else today (or nothing yet).
        var typeNames = new HashSet<string>(tenancy.GetTypeMembers().Select(t => t.Name), StringComparer.Ordinal);
        foreach (var token in root.DescendantTokens())
        {
            if (!token.IsKind(SyntaxKind.IdentifierToken) || !typeNames.Contains(token.ValueText) || token.Parent is not SimpleNameSyntax name
                || name.Parent is QualifiedNameSyntax { Right: var right } && right == name
                || name.Parent is MemberAccessExpressionSyntax { Name: var member } && member == name
                || name.Parent is AliasQualifiedNameSyntax or MemberBindingExpressionSyntax)
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(name).Symbol;
            var type = symbol as INamedTypeSymbol ?? (symbol as IMethodSymbol)?.ContainingType;
            if (type is null || !SymbolEqualityComparer.Default.Equals(type.OriginalDefinition.ContainingNamespace, tenancy))
            {
                return false;
            }
        }

        return true;
    }
}
