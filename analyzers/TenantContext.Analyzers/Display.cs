using Microsoft.CodeAnalysis;

namespace Tenancy.Analyzers;

/// <summary>How symbols are named in messages.</summary>
internal static class Display
{
    private static readonly SymbolDisplayFormat Format = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeContainingType,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    /// <summary><c>TenantContext.GetDb</c>, <c>Wiki.Db</c>, <c>Reports.Run</c>.</summary>
    public static string Member(ISymbol symbol) => symbol switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => "new " + constructor.ContainingType.ToDisplayString(Format) + "(...)",
        _ => symbol.ToDisplayString(Format),
    };

    /// <summary>The member a developer would mark: the property of an accessor, otherwise the member itself.</summary>
    public static string Enclosing(ISymbol? symbol) => symbol switch
    {
        null => "the enclosing member",
        IMethodSymbol { AssociatedSymbol: { } associated } => Member(associated),
        IMethodSymbol { Name: "<Main>$" } => "the top-level statements",
        IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor =>
            constructor.ContainingType.ToDisplayString(Format) + " constructor",
        IFieldSymbol or IPropertySymbol => symbol.ContainingType is { } type ? type.ToDisplayString(Format) : symbol.Name,
        _ => Member(symbol),
    };
}
