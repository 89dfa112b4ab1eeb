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
            start.RegisterAdditionalFileAction(c =>
            {
                if (!TenantSingletonList.IsList(c.AdditionalFile) || c.AdditionalFile.GetText(c.CancellationToken) is not { } text)
                {
                    return;
                }

                foreach (var entry in TenantSingletonList.Parse(text))
                {
                    if (entry.Resolve(compilation).IsEmpty)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(
                            DiagnosticDescriptors.UnknownSingletonEntry,
                            TenantSingletonList.LocationOf(c.AdditionalFile, text, entry.IdSpan),
                            entry.Id));
                    }
                }
            });
        });
    }
}
