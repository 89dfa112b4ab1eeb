using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Tenancy.Analyzers.CodeFixes;
using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.CodeFixes;

/// <summary>
/// Every code fix, applied with Fix All to every diagnostic of a broad corpus (<c>CodeFixes/Corpus/*.cs</c>: members of
/// every kind, lambdas, local functions, overrides of framework members, top-level statements, files without the
/// import or where it would be ambiguous, scopes in every position, singletons read and written), leaves code that
/// compiles with no error — and fixes something.
/// </summary>
public sealed class FixAllCompileTests
{
    private static readonly Lazy<Task<Project>> s_corpus = new(CreateCorpusAsync);

    private static readonly string[] s_fixes = [nameof(AddRequiresTenantFix), nameof(AddCrossTenantFix), nameof(AddUsingFix), nameof(ReplaceWithAccessorFix)];

    public static TheoryData<string> Fixes() => new(s_fixes);

    private static CodeFixProvider Create(string name) =>
        (CodeFixProvider)Activator.CreateInstance(typeof(AddUsingFix).Assembly.GetTypes().Single(t => t.Name == name))!;

    [Fact]
    public async Task The_corpus_compiles_before_any_fix()
    {
        var project = await s_corpus.Value;
        AssertNoErrors(await project.GetCompilationAsync(), project);
    }

    [Theory]
    [MemberData(nameof(Fixes))]
    public async Task Fix_all_leaves_the_corpus_compiling_and_fixes_something(string fix)
    {
        var project = await s_corpus.Value;
        var provider = Create(fix);
        var before = await DiagnosticsAsync(project, provider.FixableDiagnosticIds);
        Assert.NotEmpty(before);

        var fixedProject = await FixAllAsync(project, provider, before);

        AssertNoErrors(await fixedProject.GetCompilationAsync(), fixedProject);
        var after = await DiagnosticsAsync(fixedProject, provider.FixableDiagnosticIds);
        Assert.True(after.Length < before.Length, $"{fix} fixed nothing: {before.Length} diagnostics before, {after.Length} after");
    }

    [Fact]
    public async Task Every_fix_in_turn_leaves_the_corpus_compiling()
    {
        var project = await s_corpus.Value;
        foreach (var fix in s_fixes)
        {
            var provider = Create(fix);
            var diagnostics = await DiagnosticsAsync(project, provider.FixableDiagnosticIds);
            if (!diagnostics.IsEmpty)
            {
                project = await FixAllAsync(project, provider, diagnostics);
            }
        }

        AssertNoErrors(await project.GetCompilationAsync(), project);
    }

    private static async Task<Project> FixAllAsync(Project project, CodeFixProvider provider, ImmutableArray<Diagnostic> diagnostics)
    {
        // The equivalence key of the fix's own actions, as an IDE passes it to Fix All.
        string? key = null;
        foreach (var diagnostic in diagnostics)
        {
            var document = project.GetDocument(diagnostic.Location.SourceTree)!;
            await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => key ??= action.EquivalenceKey, CancellationToken.None));
            if (key is not null)
            {
                break;
            }
        }

        Assert.True(key is not null, $"{provider.GetType().Name} offered no fix for any of {diagnostics.Length} diagnostics");
        var context = new FixAllContext(project, provider, FixAllScope.Project, key, provider.FixableDiagnosticIds, new FixedDiagnostics(diagnostics), CancellationToken.None);
        var action = await provider.GetFixAllProvider()!.GetFixAsync(context);
        Assert.NotNull(action);
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetProject(project.Id)!;
    }

    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Project project, ImmutableArray<string> ids)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var options = new AnalyzerOptions(project.AnalyzerOptions.AdditionalFiles);
        var all = await compilation.WithAnalyzers(TestReferences.AllAnalyzers(), options).GetAnalyzerDiagnosticsAsync();
        return all.Where(d => ids.Contains(d.Id)).ToImmutableArray();
    }

    private static void AssertNoErrors(Compilation? compilation, Project project)
    {
        var errors = compilation!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count == 0)
        {
            return;
        }

        var files = errors.Select(e => e.Location.SourceTree).Distinct()
            .Select(tree => $"--- {tree?.FilePath}{Environment.NewLine}{tree?.GetText()}");
        Assert.Fail(string.Join(Environment.NewLine, errors) + Environment.NewLine + string.Join(Environment.NewLine, files));
    }

    private static async Task<Project> CreateCorpusAsync()
    {
        var references = await TestReferences.Net100.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "Corpus",
            "Corpus",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: references.Add(TestReferences.TenantContextAssembly)));

        var assembly = typeof(FixAllCompileTests).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Corpus/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var name = resource["Corpus/".Length..];
            project = project.AddDocument(name, SourceText.From(await reader.ReadToEndAsync()), filePath: "/corpus/" + name).Project;
        }

        return project;
    }

    /// <summary>Hands Fix All the diagnostics computed once for the corpus.</summary>
    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult(diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath));

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
    }
}
