using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
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

            // The list is read once per compilation and indexed by member name: the hot path never resolves symbols.
            var listed = new Dictionary<string, List<(ISymbol Symbol, Singleton Info)>>();
            foreach (var (_, text) in TenantSingletonList.Files(start.Options.AdditionalFiles, start.CancellationToken))
            {
                foreach (var entry in TenantSingletonList.Parse(text))
                {
                    foreach (var symbol in entry.Resolve(compilation))
                    {
                        var replacement = entry.Replacement is null ? null : MemberNames.Resolve(compilation, symbol, entry.Replacement);
                        if (!listed.TryGetValue(symbol.Name, out var list))
                        {
                            listed[symbol.Name] = list = new List<(ISymbol, Singleton)>();
                        }

                        list.Add((symbol, new Singleton(replacement)));
                    }
                }
            }

            if (symbols.TenantSingletonAttribute is null && listed.Count == 0)
            {
                return;
            }

            var marked = new ConcurrentDictionary<ISymbol, Singleton>(SymbolEqualityComparer.Default);

            Singleton Find(ISymbol member)
            {
                member = member.OriginalDefinition;
                if (listed.Count > 0 && listed.TryGetValue(member.Name, out var candidates))
                {
                    foreach (var (symbol, info) in candidates)
                    {
                        if (SymbolEqualityComparer.Default.Equals(symbol, member))
                        {
                            return info;
                        }
                    }
                }

                if (member is not (IFieldSymbol or IPropertySymbol) || symbols.TenantSingletonAttribute is null)
                {
                    return Singleton.None;
                }

                return marked.GetOrAdd(member, m =>
                {
                    foreach (var attribute in m.GetAttributes())
                    {
                        if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.TenantSingletonAttribute))
                        {
                            foreach (var argument in attribute.NamedArguments)
                            {
                                if (argument.Key == "Use" && argument.Value.Value is string use)
                                {
                                    return new Singleton(MemberNames.Resolve(compilation, m, use));
                                }
                            }

                            return new Singleton(null);
                        }
                    }

                    return Singleton.None;
                });
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
            if (listed.Count > 0)
            {
                start.RegisterOperationAction(c => Analyze(c, ((IInvocationOperation)c.Operation).TargetMethod), OperationKind.Invocation);
                start.RegisterOperationAction(c => Analyze(c, ((IEventReferenceOperation)c.Operation).Event), OperationKind.EventReference);
            }
        });
    }
}
