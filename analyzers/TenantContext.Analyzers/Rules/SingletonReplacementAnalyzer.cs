using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tenancy.Analyzers;

/// <summary>
/// TC1008: a <c>[TenantSingleton(Use = …)]</c> or a <c>TenantSingletons.txt</c> replacement that names no accessible
/// member (reported on the <c>Use</c> argument, or at the replacement inside the file).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SingletonReplacementAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnknownReplacement);

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
            // A source member can carry [TenantSingleton] only if some source file names it.
            if (symbols.TenantSingletonAttribute is { } singletonAttribute && symbols.SourceMentions("TenantSingleton"))
            {
                start.RegisterSymbolAction(c => AnalyzeMember(c, singletonAttribute), SymbolKind.Field, SymbolKind.Property);
            }

            start.RegisterAdditionalFileAction(c =>
            {
                if (!TenantSingletonList.IsList(c.AdditionalFile) || c.AdditionalFile.GetText(c.CancellationToken) is not { } text)
                {
                    return;
                }

                foreach (var entry in TenantSingletonList.Parse(text))
                {
                    if (entry.Replacement is null || entry.Resolve(compilation) is not { Length: > 0 } resolved)
                    {
                        continue;
                    }

                    if (MemberNames.Resolve(compilation, resolved[0], entry.Replacement) is null)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.UnknownReplacement,
                            TenantSingletonList.LocationOf(c.AdditionalFile, text, entry.ReplacementSpan),
                            entry.Replacement,
                            Display.Member(resolved[0])));
                    }
                }
            });
        });
    }

    private static void AnalyzeMember(SymbolAnalysisContext context, INamedTypeSymbol singletonAttribute)
    {
        foreach (var attribute in context.Symbol.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, singletonAttribute))
            {
                continue;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key != "Use" || argument.Value.Value is not string use
                    || MemberNames.Resolve(context.Compilation, context.Symbol, use) is not null)
                {
                    continue;
                }

                var location = context.Symbol.Locations.Length > 0 ? context.Symbol.Locations[0] : Location.None;
                if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList: { } arguments })
                {
                    foreach (var syntax in arguments.Arguments)
                    {
                        if (syntax.NameEquals?.Name.Identifier.ValueText == "Use")
                        {
                            location = syntax.Expression.GetLocation();
                        }
                    }
                }

                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownReplacement, location, use, Display.Member(context.Symbol)));
            }
        }
    }
}
