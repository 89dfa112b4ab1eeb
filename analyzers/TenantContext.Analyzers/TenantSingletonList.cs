using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
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

    /// <summary>
    /// Why <paramref name="replacement"/> cannot stand in for <paramref name="singleton"/>, or null when it can: it must
    /// exist, be accessible, be static when the singleton is, and (for fields and properties) have a type that converts
    /// to the singleton's by identity or reference — otherwise the TC1002 fix would not compile.
    /// </summary>
    public static string? Unfit(Compilation compilation, ISymbol singleton, ISymbol? replacement)
    {
        if (replacement is null)
        {
            return "it names no accessible member; use a name that resolves like a cref from the singleton's namespace, or a fully qualified name";
        }

        if (singleton.IsStatic && !replacement.IsStatic)
        {
            return "it is an instance member and the singleton is static; name a static member (a tenant accessor)";
        }

        // The fix writes the replacement where the field or property was read: a method or event there is no value.
        if (singleton is IFieldSymbol or IPropertySymbol && replacement is not (IFieldSymbol or IPropertySymbol))
        {
            return $"it is a {(replacement is IMethodSymbol ? "method" : "event")} and the singleton is a field or property; name a property or field (a tenant accessor)";
        }

        var singletonType = TypeOf(singleton);
        var replacementType = TypeOf(replacement);
        if (singletonType is not null && replacementType is not null && singleton is IFieldSymbol or IPropertySymbol)
        {
            var conversion = compilation.ClassifyCommonConversion(replacementType, singletonType);
            if (!conversion.IsIdentity && !(conversion.IsImplicit && conversion.IsReference))
            {
                return $"its type '{replacementType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}' cannot stand in for '{singletonType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'; name a member of a compatible type";
            }
        }

        return null;
    }

    private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    /// <summary>The text the code fix writes: <c>global::Ns.Type.Member</c>, reduced by the simplifier.</summary>
    public static string FixText(ISymbol member) =>
        member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + member.Name;
}

/// <summary>One resolved line of a <c>TenantSingletons.txt</c>: the symbols it names and its replacement, if any resolves.</summary>
internal sealed class ResolvedSingletonEntry
{
    public ResolvedSingletonEntry(SingletonEntry entry, ImmutableArray<ISymbol> symbols, ISymbol? replacement)
    {
        Entry = entry;
        Symbols = symbols;
        Replacement = replacement;
    }

    public SingletonEntry Entry { get; }
    public ImmutableArray<ISymbol> Symbols { get; }
    public ISymbol? Replacement { get; }
}

/// <summary>
/// Every <c>TenantSingletons.txt</c> of a compilation, read, parsed and resolved once and shared by TC1002, TC1008 and
/// TC1009 (the three used to read the list once each).
/// </summary>
internal sealed class SingletonLists
{
    private static readonly ConditionalWeakTable<Compilation, SingletonLists> s_perCompilation = new();

    private SingletonLists(Compilation compilation, ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
    {
        var byPath = new Dictionary<string, (SourceText, List<ResolvedSingletonEntry>)>(StringComparer.Ordinal);
        foreach (var (file, text) in TenantSingletonList.Files(files, cancellationToken))
        {
            var resolved = new List<ResolvedSingletonEntry>();
            foreach (var entry in TenantSingletonList.Parse(text))
            {
                var symbols = entry.Resolve(compilation);
                var replacement = entry.Replacement is null || symbols.IsEmpty ? null : MemberNames.Resolve(compilation, symbols[0], entry.Replacement);
                resolved.Add(new ResolvedSingletonEntry(entry, symbols, replacement));
                HasEntries |= !symbols.IsEmpty;
            }

            byPath[file.Path] = (text, resolved);
        }

        Files = byPath;
    }

    /// <summary>The lists by file path, with the text they were read from (for locations inside the file).</summary>
    public Dictionary<string, (SourceText Text, List<ResolvedSingletonEntry> Entries)> Files { get; }

    /// <summary>True when some entry resolves to a symbol.</summary>
    public bool HasEntries { get; }

    public static SingletonLists For(Compilation compilation, ImmutableArray<AdditionalText> files, CancellationToken cancellationToken) =>
        s_perCompilation.GetValue(compilation, c => new SingletonLists(c, files, cancellationToken));
}
