using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tenancy.Analyzers;

/// <summary>TC1009: a <c>TenantSingletons.txt</c> line that matches no field, property, method or event, reported in the file.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SingletonListAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnknownSingletonEntry);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (TenantSymbols.Create(start.Compilation) is null)
            {
                return;
            }

            var compilation = start.Compilation;
            var options = start.Options;
            start.RegisterAdditionalFileAction(c =>
            {
                if (!TenantSingletonList.IsList(c.AdditionalFile)
                    || !SingletonLists.For(compilation, options.AdditionalFiles, c.CancellationToken).Files.TryGetValue(c.AdditionalFile.Path, out var list))
                {
                    return;
                }

                foreach (var resolved in list.Entries)
                {
                    if (resolved.Symbols.IsEmpty)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.UnknownSingletonEntry,
                            TenantSingletonList.LocationOf(c.AdditionalFile, list.Text, resolved.Entry.IdSpan),
                            resolved.Entry.Id));
                    }
                }
            });
        });
    }
}
