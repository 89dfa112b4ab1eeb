using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Tenancy.Generators.Tests;

/// <summary>Compiles sources in memory against the framework and the real TenantContext.dll, and runs the generator.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                        || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Win32.Primitives.dll")
            .Append(typeof(TenantContext).Assembly.Location)
            .Append(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location)
            .Distinct();
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static CSharpCompilation Compile(params string[] sources) => Compile(sources.Select((s, i) => (s, $"/src/File{i}.cs")).ToArray());

    public static CSharpCompilation Compile(params (string Source, string Path)[] sources)
        => CSharpCompilation.Create(
            "Consumer",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, ParseOptions, s.Path)),
            s_references.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error,
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    // The consumer compilation is a test fixture, not a documented library.
                    ["CS1591"] = ReportDiagnostic.Suppress,
                }));

    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            [new TenantAccessorsGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once: its diagnostics, its sources, and the compilation with them added.</summary>
    public static GeneratorOutcome Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        return new GeneratorOutcome(
            generatorDiagnostics,
            result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString()),
            output);
    }
}

internal sealed record GeneratorOutcome(
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    IReadOnlyDictionary<string, string> Sources,
    Compilation Compilation)
{
    /// <summary>Every diagnostic of the final compilation (warnings are errors), generator diagnostics included.</summary>
    public ImmutableArray<Diagnostic> AllDiagnostics =>
        GeneratorDiagnostics.AddRange(Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

    public string Describe() => string.Join(Environment.NewLine, AllDiagnostics.Select(d => d.ToString()));

    /// <summary>Emits the compilation and loads it in a fresh collectible context.</summary>
    public Assembly Load()
    {
        using var stream = new MemoryStream();
        var emit = Compilation.Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        stream.Position = 0;
        return new System.Runtime.Loader.AssemblyLoadContext(null, isCollectible: true).LoadFromStream(stream);
    }
}
