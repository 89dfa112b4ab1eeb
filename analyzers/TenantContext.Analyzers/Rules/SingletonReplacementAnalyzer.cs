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
            var options = start.Options;

            // Symbol actions run once per declared field or property, and reading a source member's attributes is what the
            // compiler does anyway: no need to scan every tree's text first to rule the attribute out.
            if (symbols.TenantSingletonAttribute is { } singletonAttribute)
            {
                start.RegisterSymbolAction(c => AnalyzeMember(c, singletonAttribute), SymbolKind.Field, SymbolKind.Property);
            }

            start.RegisterAdditionalFileAction(c =>
            {
                if (!TenantSingletonList.IsList(c.AdditionalFile)
                    || !SingletonLists.For(compilation, options.AdditionalFiles, c.CancellationToken).Files.TryGetValue(c.AdditionalFile.Path, out var list))
                {
                    return;
                }

                foreach (var resolved in list.Entries)
                {
                    var entry = resolved.Entry;
                    if (entry.Replacement is null || resolved.Symbols.IsEmpty)
                    {
                        continue;
                    }

                    if (MemberNames.Unfit(compilation, resolved.Symbols[0], resolved.Replacement) is { } reason)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.UnknownReplacement,
                            TenantSingletonList.LocationOf(c.AdditionalFile, list.Text, entry.ReplacementSpan),
                            entry.Replacement,
                            Display.Member(resolved.Symbols[0]),
                            reason));
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
                    || MemberNames.Unfit(context.Compilation, context.Symbol, MemberNames.Resolve(context.Compilation, context.Symbol, use)) is not { } reason)
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

                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownReplacement, location, use, Display.Member(context.Symbol), reason));
            }
        }
    }
}
