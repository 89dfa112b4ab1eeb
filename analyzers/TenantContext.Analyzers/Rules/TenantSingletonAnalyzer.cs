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
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TenantSingletonAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property that carries the replacement (<c>global::Ns.Wiki.Storage</c>) for the code fix.</summary>
    public const string ReplacementProperty = "Replacement";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.TenantSingletonUse);

    private sealed class Singleton
    {
        public static readonly Singleton None = new(null);

        public Singleton(ISymbol? replacement) => Replacement = replacement;

        public ISymbol? Replacement { get; }
    }

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = TenantSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            var compilation = start.Compilation;

            // Every singleton that can be known up front — the list's entries, then the marked fields and properties
            // of referenced assemblies — is indexed by member name once per compilation: the hot path compares a
            // name before any symbol and never reads an attribute of a framework member.
            var known = new Dictionary<string, List<(ISymbol Symbol, Singleton Info)>>(StringComparer.Ordinal);
            void Add(ISymbol symbol, Singleton info)
            {
                if (!known.TryGetValue(symbol.Name, out var list))
                {
                    known[symbol.Name] = list = new List<(ISymbol, Singleton)>();
                }

                list.Add((symbol, info));
            }

            var hasListEntries = false;
            foreach (var (_, text) in TenantSingletonList.Files(start.Options.AdditionalFiles, start.CancellationToken))
            {
                foreach (var entry in TenantSingletonList.Parse(text))
                {
                    foreach (var symbol in entry.Resolve(compilation))
                    {
                        var replacement = entry.Replacement is null ? null : MemberNames.Resolve(compilation, symbol, entry.Replacement);
                        Add(symbol, new Singleton(replacement));
                        hasListEntries = true;
                    }
                }
            }

            var attributeClass = symbols.TenantSingletonAttribute;
            if (attributeClass is not null)
            {
                foreach (var assembly in symbols.TenantAwareReferences)
                {
                    foreach (var member in MarkedMembers(assembly.GlobalNamespace, attributeClass, start.CancellationToken))
                    {
                        Add(member, Marked(compilation, member, attributeClass));
                    }
                }
            }

            // Source members are asked lazily, and only when some source file names the attribute at all.
            var sourceMayMark = attributeClass is not null && symbols.SourceMentions("TenantSingleton");
            if (known.Count == 0 && !sourceMayMark)
            {
                return;
            }

            var marked = new ConcurrentDictionary<ISymbol, Singleton>(SymbolEqualityComparer.Default);
            Func<ISymbol, Singleton> markedInSource = m => Marked(compilation, m, attributeClass!);

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

                if (!sourceMayMark || member is not (IFieldSymbol or IPropertySymbol)
                    || !SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, compilation.Assembly))
                {
                    return Singleton.None;
                }

                return marked.GetOrAdd(member.OriginalDefinition, markedInSource);
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
                    properties = properties.Add(ReplacementProperty, MemberNames.FixText(info.Replacement));
                }

                c.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.TenantSingletonUse,
                    c.Operation.Syntax.GetLocation(),
                    properties,
                    Display.Member(member),
                    info.Replacement is null ? "its tenant accessor" : "'" + Display.Member(info.Replacement) + "'"));
            }

            start.RegisterOperationAction(c => Analyze(c, ((IFieldReferenceOperation)c.Operation).Field), OperationKind.FieldReference);
            start.RegisterOperationAction(c => Analyze(c, ((IPropertyReferenceOperation)c.Operation).Property), OperationKind.PropertyReference);
            if (hasListEntries)
            {
                start.RegisterOperationAction(c => Analyze(c, ((IInvocationOperation)c.Operation).TargetMethod), OperationKind.Invocation);
                start.RegisterOperationAction(c => Analyze(c, ((IEventReferenceOperation)c.Operation).Event), OperationKind.EventReference);
            }
        });
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
                        return new Singleton(MemberNames.Resolve(compilation, member, use));
                    }
                }

                return new Singleton(null);
            }
        }

        return Singleton.None;
    }

    /// <summary>The fields and properties of a referenced assembly that carry <c>[TenantSingleton]</c>.</summary>
    private static IEnumerable<ISymbol> MarkedMembers(INamespaceOrTypeSymbol container, INamedTypeSymbol attributeClass, CancellationToken cancellationToken)
    {
        foreach (var member in container.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (member)
            {
                case INamespaceOrTypeSymbol nested:
                    foreach (var marked in MarkedMembers(nested, attributeClass, cancellationToken))
                    {
                        yield return marked;
                    }

                    break;
                case IFieldSymbol or IPropertySymbol:
                    foreach (var attribute in member.GetAttributes())
                    {
                        if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeClass))
                        {
                            yield return member;
                            break;
                        }
                    }

                    break;
            }
        }
    }
}
