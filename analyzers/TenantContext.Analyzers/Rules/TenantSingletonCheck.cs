using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1002: a process-wide singleton (marked <c>[TenantSingleton]</c>, or listed in <c>TenantSingletons.txt</c>) used
/// directly instead of its tenant accessor — reported wherever it is used, inside scopes too, except inside the
/// type that declares it.
/// </summary>
internal static class TenantSingletonCheck
{
    private sealed class Singleton
    {
        public static readonly Singleton None = new(null);

        public Singleton(ISymbol? replacement) => Replacement = replacement;

        public ISymbol? Replacement { get; }
    }

    /// <summary>
    /// Adds the checks of field and property reads (a member can carry <c>[TenantSingleton]</c>), and, when
    /// <c>TenantSingletons.txt</c> lists members, of the calls, method groups, events and constructors it names.
    /// </summary>
    public static void Register(OperationChecks checks, TenantSymbols symbols, Compilation compilation, AnalyzerOptions options, CancellationToken cancellationToken)
    {
        // The list's entries are indexed by member name once per compilation (shared with TC1008 and TC1009); marked
        // members are asked lazily, one cached answer per member, and only for members of assemblies that can see
        // the runtime — no walk over referenced assemblies, no scan of the source text.
        var known = new Dictionary<string, List<(ISymbol Symbol, Singleton Info)>>(StringComparer.Ordinal);
        var lists = SingletonLists.For(compilation, options.AdditionalFiles, cancellationToken);
        foreach (var list in lists.Files.Values)
        {
            foreach (var resolved in list.Entries)
            {
                foreach (var symbol in resolved.Symbols)
                {
                    var replacement = MemberNames.Unfit(compilation, symbol, resolved.Replacement) is null ? resolved.Replacement : null;
                    if (!known.TryGetValue(symbol.Name, out var entries))
                    {
                        known[symbol.Name] = entries = new List<(ISymbol, Singleton)>();
                    }

                    entries.Add((symbol, new Singleton(replacement)));
                }
            }
        }

        var attributeClass = symbols.TenantSingletonAttribute;
        if (known.Count == 0 && attributeClass is null)
        {
            return;
        }

        var marked = new ConcurrentDictionary<ISymbol, Singleton>(SymbolEqualityComparer.Default);
        Func<ISymbol, Singleton> markedMember = m => Marked(compilation, m, attributeClass!);

        Singleton Find(ISymbol member)
        {
            if (known.Count > 0 && known.TryGetValue(member.Name, out var candidates))
            {
                var original = member.OriginalDefinition;
                foreach (var (symbol, info) in candidates)
                {
                    if (SymbolEqualityComparer.Default.Equals(symbol, original))
                    {
                        return info;
                    }
                }
            }

            if (attributeClass is null || member is not (IFieldSymbol or IPropertySymbol) || !symbols.InTenantAwareAssembly(member)
                || !symbols.HasAttribute(member.OriginalDefinition, attributeClass))
            {
                return Singleton.None;
            }

            // Only marked members reach the cache (their Use is resolved once): a shared dictionary written for every
            // field and property read was where the analyzer waited under the compiler's concurrent analysis.
            return marked.GetOrAdd(member.OriginalDefinition, markedMember);
        }

        void Analyze(OperationAnalysisContext c, ISymbol member)
        {
            var info = Find(member);
            if (ReferenceEquals(info, Singleton.None))
            {
                return;
            }

            for (var parent = c.Operation.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is INameOfOperation)
                {
                    return;
                }
            }

            for (var type = c.ContainingSymbol.ContainingType; type is not null; type = type.ContainingType)
            {
                if (SymbolEqualityComparer.Default.Equals(type, member.ContainingType?.OriginalDefinition))
                {
                    return;
                }
            }

            var properties = ImmutableDictionary<string, string?>.Empty;
            if (info.Replacement is IFieldSymbol or IPropertySymbol && member is IFieldSymbol or IPropertySymbol)
            {
                properties = properties.Add(DiagnosticProperties.Replacement, MemberNames.FixText(info.Replacement));
            }

            c.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.TenantSingletonUse,
                c.Operation.Syntax.GetLocation(),
                properties,
                Display.Member(member),
                info.Replacement is null ? "its tenant accessor" : "'" + Display.Member(info.Replacement) + "'"));
        }

        checks.On(c => Analyze(c, ((IFieldReferenceOperation)c.Operation).Field), OperationKind.FieldReference);
        checks.On(c => Analyze(c, ((IPropertyReferenceOperation)c.Operation).Property), OperationKind.PropertyReference);
        if (known.Count > 0)
        {
            // Listed methods, events and constructors: calls, method groups and 'new' are all uses. A call is looked
            // at only when its method has the name of a listed member.
            checks.OnInvocation(known.Keys, (c, invocation) => Analyze(c, invocation.TargetMethod));
            checks.On(c => Analyze(c, ((IMethodReferenceOperation)c.Operation).Method), OperationKind.MethodReference);
            checks.On(c => Analyze(c, ((IEventReferenceOperation)c.Operation).Event), OperationKind.EventReference);
            checks.On(
                c =>
                {
                    if (((IObjectCreationOperation)c.Operation).Constructor is { } constructor)
                    {
                        Analyze(c, constructor);
                    }
                },
                OperationKind.ObjectCreation);
        }
    }

    /// <summary>The <c>[TenantSingleton]</c> of <paramref name="member"/>, with its resolved <c>Use</c>, or <see cref="Singleton.None"/>.</summary>
    private static Singleton Marked(Compilation compilation, ISymbol member, INamedTypeSymbol attributeClass)
    {
        foreach (var attribute in member.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
            {
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Use" && argument.Value.Value is string use)
                    {
                        var replacement = MemberNames.Resolve(compilation, member, use);
                        return new Singleton(MemberNames.Unfit(compilation, member, replacement) is null ? replacement : null);
                    }
                }

                return new Singleton(null);
            }
        }

        return Singleton.None;
    }
}
