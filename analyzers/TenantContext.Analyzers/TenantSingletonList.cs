using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Tenancy.Analyzers;

/// <summary>One line of <c>TenantSingletons.txt</c>: a documentation comment id and an optional replacement.</summary>
internal sealed class SingletonEntry
{
    public SingletonEntry(string id, TextSpan idSpan, string? replacement, TextSpan replacementSpan)
    {
        Id = id;
        IdSpan = idSpan;
        Replacement = replacement;
        ReplacementSpan = replacementSpan;
    }

    public string Id { get; }
    public TextSpan IdSpan { get; }
    public string? Replacement { get; }
    public TextSpan ReplacementSpan { get; }

    /// <summary>The fields, properties, methods and events the id names (empty when it names none).</summary>
    public ImmutableArray<ISymbol> Resolve(Compilation compilation) =>
        Id.Length > 2 && Id[1] == ':' && Id[0] is 'F' or 'P' or 'M' or 'E'
            ? DocumentationCommentId.GetSymbolsForDeclarationId(Id, compilation)
            : ImmutableArray<ISymbol>.Empty;
}

/// <summary>
/// Reads <c>TenantSingletons.txt</c> (an AdditionalFiles item): one documentation comment id a line, an optional
/// <c>;replacement</c>, <c>//</c> comments and blank lines ignored.
/// </summary>
internal static class TenantSingletonList
{
    public const string FileName = "TenantSingletons.txt";

    public static bool IsList(AdditionalText file) =>
        string.Equals(Path.GetFileName(file.Path), FileName, StringComparison.OrdinalIgnoreCase);

    public static IEnumerable<(AdditionalText File, SourceText Text)> Files(ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            if (IsList(file) && file.GetText(cancellationToken) is { } text)
            {
                yield return (file, text);
            }
        }
    }

    public static List<SingletonEntry> Parse(SourceText text)
    {
        var entries = new List<SingletonEntry>();
        foreach (var line in text.Lines)
        {
            var content = line.ToString();
            var comment = content.IndexOf("//", StringComparison.Ordinal);
            if (comment >= 0)
            {
                content = content.Substring(0, comment);
            }

            var separator = content.IndexOf(';');
            var idPart = separator >= 0 ? content.Substring(0, separator) : content;
            var id = idPart.Trim();
            if (id.Length == 0)
            {
                continue;
            }

            var idSpan = new TextSpan(line.Start + idPart.IndexOf(id, StringComparison.Ordinal), id.Length);
            string? replacement = null;
            var replacementSpan = default(TextSpan);
            if (separator >= 0)
            {
                var replacementPart = content.Substring(separator + 1);
                var trimmed = replacementPart.Trim();
                if (trimmed.Length > 0)
                {
                    replacement = trimmed;
                    replacementSpan = new TextSpan(line.Start + separator + 1 + replacementPart.IndexOf(trimmed, StringComparison.Ordinal), trimmed.Length);
                }
            }

            entries.Add(new SingletonEntry(id, idSpan, replacement, replacementSpan));
        }

        return entries;
    }

    public static Location LocationOf(AdditionalText file, SourceText text, TextSpan span) =>
        Location.Create(file.Path, span, text.Lines.GetLinePositionSpan(span));
}

/// <summary>Resolves a replacement name the way a <c>cref</c> is resolved, from the singleton's scope outward.</summary>
internal static class MemberNames
{
    public static ISymbol? Resolve(Compilation compilation, ISymbol singleton, string name)
    {
        if (name.StartsWith("global::", StringComparison.Ordinal))
        {
            name = name.Substring("global::".Length);
        }

        var parts = name.Split('.');
        if (parts.Any(p => p.Length == 0))
        {
            return null;
        }

        INamespaceOrTypeSymbol? scope = singleton.ContainingType;
        while (scope is not null)
        {
            if (Walk(scope, parts) is { } found && compilation.IsSymbolAccessibleWithin(found, compilation.Assembly))
            {
                return found;
            }

            scope = scope switch
            {
                INamedTypeSymbol { ContainingType: { } outer } => outer,
                INamedTypeSymbol type => type.ContainingNamespace is { } ns ? compilation.GetCompilationNamespace(ns) : null,
                INamespaceSymbol { IsGlobalNamespace: true } => null,
                INamespaceSymbol ns => ns.ContainingNamespace,
                _ => null,
            };
        }

        return null;
    }

    private static ISymbol? Walk(INamespaceOrTypeSymbol start, string[] parts)
    {
        var current = start;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = current.GetMembers(parts[i]).OfType<INamespaceOrTypeSymbol>().FirstOrDefault();
            if (current is null)
            {
                return null;
            }
        }

        return current.GetMembers(parts[parts.Length - 1]).FirstOrDefault(m => m is IFieldSymbol or IPropertySymbol or IMethodSymbol or IEventSymbol);
    }

    /// <summary>The text the code fix writes: <c>global::Ns.Type.Member</c>, reduced by the simplifier.</summary>
    public static string FixText(ISymbol member) =>
        member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + member.Name;
}
