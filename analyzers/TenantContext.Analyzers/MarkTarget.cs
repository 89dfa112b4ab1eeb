using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Tenancy.Analyzers;

/// <summary>
/// What a developer can mark to take on an obligation at a place in code (TC1001's <c>[RequiresTenant]</c>, TC1006's
/// <c>[CrossTenant]</c>): the innermost lambda or local function, else the enclosing member — or nothing, when the
/// member cannot carry the attribute usefully. Computed only when a diagnostic is reported.
/// </summary>
internal sealed class MarkTarget
{
    private MarkTarget(string fix, string text, SyntaxNode? declaration, ISymbol? baseMember)
    {
        Fix = fix;
        Text = text;
        Declaration = declaration;
        BaseMember = baseMember;
    }

    /// <summary>One of the <c>DiagnosticProperties.Fix…</c> values.</summary>
    public string Fix { get; }

    /// <summary>How messages name the target: <c>the lambda passed to 'MapGet'</c>, <c>'Worker.Run'</c>.</summary>
    public string Text { get; }

    /// <summary>The declaration to mark (null unless <see cref="Fix"/> is a <c>Mark…</c> value).</summary>
    public SyntaxNode? Declaration { get; }

    /// <summary>For an override or implementation that cannot be marked: the member it overrides or implements.</summary>
    public ISymbol? BaseMember { get; }

    public bool CanMark => Declaration is not null;

    public ImmutableDictionary<string, string?> Properties
    {
        get
        {
            var builder = ImmutableDictionary.CreateBuilder<string, string?>();
            builder.Add(DiagnosticProperties.Fix, Fix);
            if (Declaration is not null)
            {
                builder.Add(DiagnosticProperties.TargetSpan, Declaration.Span.Start + "," + Declaration.Span.Length);
            }

            if (BaseMember is not null)
            {
                builder.Add(DiagnosticProperties.BaseMember, DocumentationCommentId.CreateDeclarationId(BaseMember));
            }

            return builder.ToImmutable();
        }
    }

    /// <summary>
    /// The target for a use at <paramref name="use"/>. With <paramref name="requiresTenant"/>, members that cannot
    /// take <c>[RequiresTenant]</c> without breaking another rule (overrides and implementations of members that do not
    /// require a tenant, entry points, static constructors) get <see cref="DiagnosticProperties.FixEnterScope"/>.
    /// </summary>
    public static MarkTarget For(SyntaxNode use, ISymbol? containingSymbol, TenantSymbols symbols, bool requiresTenant, CancellationToken cancellationToken)
    {
        foreach (var ancestor in use.Ancestors())
        {
            switch (ancestor)
            {
                case ParenthesizedLambdaExpressionSyntax or SimpleLambdaExpressionSyntax:
                    return new MarkTarget(DiagnosticProperties.FixMarkLambda, LambdaText((ExpressionSyntax)ancestor), ancestor, null);
                case LocalFunctionStatementSyntax local:
                    return new MarkTarget(DiagnosticProperties.FixMarkLocalFunction, "local function '" + local.Identifier.ValueText + "'", local, null);
                case MemberDeclarationSyntax and not GlobalStatementSyntax:
                    return ForMember(ancestor, containingSymbol, symbols, requiresTenant, cancellationToken);
            }
        }

        return ForMember(null, containingSymbol, symbols, requiresTenant, cancellationToken);
    }

    private static MarkTarget ForMember(SyntaxNode? declaration, ISymbol? member, TenantSymbols symbols, bool requiresTenant, CancellationToken cancellationToken)
    {
        var text = member switch
        {
            null => "the enclosing member",
            IMethodSymbol { Name: "<Main>$" } => "the top-level statements",
            _ => "'" + Display.Enclosing(member) + "'",
        };
        switch (member)
        {
            case null:
            case IMethodSymbol { Name: "<Main>$" }:
                return new MarkTarget(requiresTenant ? DiagnosticProperties.FixEnterScope : DiagnosticProperties.FixNone, text, null, null);
            case IFieldSymbol or IPropertySymbol:
                return new MarkTarget(DiagnosticProperties.FixNone, "an initializer", null, null);
            case IMethodSymbol { MethodKind: MethodKind.StaticConstructor } when requiresTenant:
            case IMethodSymbol { IsStatic: true, Name: "Main", MethodKind: MethodKind.Ordinary } when requiresTenant:
            case IMethodSymbol { IsStatic: true } moduleInitializer when requiresTenant && IsModuleInitializer(moduleInitializer):
                // The runtime calls these with no scope: no caller can carry the obligation.
                return new MarkTarget(DiagnosticProperties.FixEnterScope, text, null, null);
        }

        var marked = member is IMethodSymbol { AssociatedSymbol: { } associated } ? associated : member!;
        if (requiresTenant && UnmarkableOverride(marked, symbols) is { } baseMember)
        {
            return new MarkTarget(DiagnosticProperties.FixEnterScope, text, null, baseMember);
        }

        var target = declaration;
        if (target is null)
        {
            foreach (var reference in marked.DeclaringSyntaxReferences)
            {
                target = reference.GetSyntax(cancellationToken);
                break;
            }
        }

        if (target is VariableDeclaratorSyntax { Parent.Parent: EventFieldDeclarationSyntax eventField })
        {
            target = eventField;
        }

        return target is MemberDeclarationSyntax
            ? new MarkTarget(DiagnosticProperties.FixMarkMember, text, target, null)
            : new MarkTarget(DiagnosticProperties.FixNone, text, null, null);
    }

    private static bool IsModuleInitializer(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "ModuleInitializerAttribute", ContainingNamespace: { Name: "CompilerServices", ContainingNamespace: { Name: "Runtime", ContainingNamespace.Name: "System" } } })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The member <paramref name="member"/> overrides or implements that does not require a tenant, if any.</summary>
    private static ISymbol? UnmarkableOverride(ISymbol member, TenantSymbols symbols)
    {
        var overridden = member switch
        {
            IMethodSymbol m => (ISymbol?)m.OverriddenMethod,
            IPropertySymbol p => p.OverriddenProperty,
            IEventSymbol e => e.OverriddenEvent,
            _ => null,
        };

        if (overridden is not null && !symbols.IsTenantScoped(overridden))
        {
            return overridden;
        }

        if (member.ContainingType is not { } type || member.IsStatic && type.TypeKind != TypeKind.Interface)
        {
            return null;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            foreach (var interfaceMember in implemented.GetMembers())
            {
                if (interfaceMember.Kind == member.Kind
                    && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(interfaceMember), member)
                    && !symbols.IsTenantScoped(interfaceMember))
                {
                    return interfaceMember;
                }
            }
        }

        return null;
    }

    private static string LambdaText(ExpressionSyntax lambda)
    {
        var node = lambda.Parent;
        while (node is ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            node = node.Parent;
        }

        switch (node)
        {
            case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } }:
                var name = invocation.Expression switch
                {
                    MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                    MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    _ => null,
                };
                return name is null ? "the lambda" : "the lambda passed to '" + name + "'";
            case ArgumentSyntax { Parent: ArgumentListSyntax { Parent: BaseObjectCreationExpressionSyntax creation } }:
                return creation is ObjectCreationExpressionSyntax { Type: { } type }
                    ? "the lambda passed to 'new " + type + "(...)'"
                    : "the lambda passed to a constructor";
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax variable }:
                return "the lambda assigned to '" + variable.Identifier.ValueText + "'";
            case AssignmentExpressionSyntax assignment when assignment.Right == lambda || assignment.Right.Span.Contains(lambda.Span):
                return "the lambda assigned to '" + assignment.Left + "'";
            default:
                return "the lambda";
        }
    }
}
