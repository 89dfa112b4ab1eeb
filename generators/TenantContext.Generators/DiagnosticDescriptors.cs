using System;
using Microsoft.CodeAnalysis;

namespace Tenancy.Generators;

/// <summary>The generator's diagnostics (TC2xxx): one place for ids, titles, messages and help links.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TenantContext.Generator";

    /// <summary>Where every rule's page lives: <c>analyzers/docs/TC2xxx.md</c> in the repository.</summary>
    public static string HelpLink(string id) => $"https://github.com/tenantcontext/tenantcontext/blob/main/analyzers/docs/{id}.md";

    public static readonly DiagnosticDescriptor ClassMustBeStaticPartial = Create(
        "TC2001",
        "A [TenantAccessors] class must be static partial",
        "'{0}' is marked [TenantAccessors] but is not a static partial class: declare it 'static partial class {0}' so the generator can add its accessors");

    public static readonly DiagnosticDescriptor PropertyMustBeStaticPartialGetOnly = Create(
        "TC2002",
        "A tenant accessor must be a static partial get-only property",
        "'{0}' cannot be a tenant accessor: {1}; declare it 'static partial T {2} {{ get; }}'");

    public static readonly DiagnosticDescriptor DuplicateAccessorType = Create(
        "TC2003",
        "Two tenant accessors have the same type",
        "'{0}' has the same type '{1}' as '{2}': tenant services are keyed by type, so both would read the same instance; give each accessor its own type");

    public static readonly DiagnosticDescriptor UnsupportedAccessorType = Create(
        "TC2004",
        "The tenant accessor's type is not supported",
        "'{0}' has type '{1}', which cannot be a tenant service: {2}");

    public static readonly DiagnosticDescriptor GeneratedMemberClash = Create(
        "TC2005",
        "A member clashes with a generated member",
        "'{0}' clashes with the generated '{1}' method, which is therefore not generated; rename the member");

    public static readonly DiagnosticDescriptor ParameterNameClash = Create(
        "TC2006",
        "An accessor's parameter name clashes in a generated method",
        "'{0}' would become the parameter '{1}' of the generated '{2}', where that name is already taken; '{2}' is not generated; rename the property");

    public static readonly DiagnosticDescriptor GenericType = Create(
        "TC2007",
        "A [TenantAccessors] class cannot be generic or nested in a generic type",
        "'{0}' is generic or nested in a generic type: accessors are static and shared by every instantiation; move the class out of '{1}'");

    public static readonly DiagnosticDescriptor ContainingTypeMustBePartial = Create(
        "TC2008",
        "The type containing a [TenantAccessors] class must be partial",
        "'{0}' is nested in '{1}', which is not partial: declare '{1}' partial so the generator can add to the nested class");

    public static readonly DiagnosticDescriptor FileLocalType = Create(
        "TC2009",
        "A [TenantAccessors] class cannot be file-local",
        "'{0}' is file-local ('file' on '{1}'): the generated part lives in another file, where a file-local type cannot be seen; remove 'file' and make the class internal");

    public static readonly DiagnosticDescriptor[] All =
    [
        ClassMustBeStaticPartial,
        PropertyMustBeStaticPartialGetOnly,
        DuplicateAccessorType,
        UnsupportedAccessorType,
        GeneratedMemberClash,
        ParameterNameClash,
        GenericType,
        ContainingTypeMustBePartial,
        FileLocalType,
    ];

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (var descriptor in All)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        throw new ArgumentException($"No generator diagnostic has the id '{id}'.", nameof(id));
    }

    private static DiagnosticDescriptor Create(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));
}
