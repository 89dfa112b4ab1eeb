using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Tenancy.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs one analyzer over test sources (plus the shared <see cref="TestReferences.Wiki"/> file) and checks the
/// diagnostics of the rules a test names: the analyzer's other rules are switched off (as <c>.editorconfig</c> would, by
/// id), so a test of TC1003 sees no TC1001 from the analyzer that reports both.
/// </summary>
public sealed class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    private readonly string[] _ruleIds;

    /// <summary>A verifier of the rules <paramref name="ruleIds"/> of <typeparamref name="TAnalyzer"/>.</summary>
    public AnalyzerVerifier(params string[] ruleIds)
    {
        var supported = new TAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToHashSet();
        if (ruleIds.Length == 0 || !ruleIds.All(supported.Contains))
        {
            throw new ArgumentException($"Name the rules to check, among those {typeof(TAnalyzer).Name} reports ({string.Join(", ", supported)}).", nameof(ruleIds));
        }

        _ruleIds = ruleIds;
        OtherRules = supported.Except(ruleIds).Order().ToArray();
    }

    /// <summary>The analyzer's rules this verifier switches off.</summary>
    public IReadOnlyList<string> OtherRules { get; }

    /// <summary>Asserts that exactly the diagnostics in the markup (<c>{|TC1001:...|}</c>) are reported.</summary>
    public Task VerifyAsync(string source, params (string Name, string Text)[] additionalFiles) =>
        CreateTest(source, additionalFiles).RunAsync();

    /// <summary>Same, for a program with top-level statements.</summary>
    public Task VerifyProgramAsync(string source)
    {
        var test = CreateTest(source, []);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        return test.RunAsync();
    }

    /// <summary>Same, with extra source files.</summary>
    public Task VerifySourcesAsync(params string[] sources)
    {
        var test = CreateTest(sources[0], []);
        foreach (var extra in sources.Skip(1))
        {
            test.TestState.Sources.Add(extra);
        }

        return test.RunAsync();
    }

    /// <summary>
    /// Runs the analyzer over <paramref name="source"/> (with the shared files) and returns the diagnostics of the
    /// verifier's rules, for tests that read a diagnostic's message or properties.
    /// </summary>
    public async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, bool program = false)
    {
        var references = await TestReferences.Net100.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(source, parse, "Test0.cs"),
            CSharpSyntaxTree.ParseText(TestReferences.Wiki, parse, "Wiki.cs"),
            CSharpSyntaxTree.ParseText(TestReferences.WikiGenerated, parse, "Wiki.g.cs"),
            CSharpSyntaxTree.ParseText(TestReferences.FakeEntityFramework, parse, "EntityFramework.cs"),
        };
        var options = new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        var compilation = CSharpCompilation.Create(
            "Test",
            trees,
            references.Add(TestReferences.TenantContextAssembly),
            options.WithSpecificDiagnosticOptions(OtherRules.Select(id => KeyValuePair.Create(id, ReportDiagnostic.Suppress))));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join(Environment.NewLine, errors.Select(e => e.ToString())));
        var diagnostics = await compilation.WithAnalyzers([new TAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Assert.All(diagnostics, d => Assert.Contains(d.Id, _ruleIds));
        return diagnostics.Sort((a, b) => a.Location.SourceSpan.Start.CompareTo(b.Location.SourceSpan.Start));
    }

    /// <summary>Builds the test, for callers that need to add expected diagnostics by hand.</summary>
    public CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> CreateTest(string source, (string Name, string Text)[] additionalFiles)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.Net100,
            TestCode = source,
        };
        test.DisabledDiagnostics.AddRange(OtherRules);
        test.TestState.Sources.Add(("Wiki.cs", TestReferences.Wiki));
        test.TestState.Sources.Add(("Wiki.g.cs", TestReferences.WikiGenerated));
        test.TestState.Sources.Add(("EntityFramework.cs", TestReferences.FakeEntityFramework));
        test.TestState.AdditionalReferences.Add(TestReferences.TenantContextAssembly);
        foreach (var file in additionalFiles)
        {
            test.TestState.AdditionalFiles.Add((file.Name, file.Text));
        }

        return test;
    }
}

/// <summary>
/// Runs one analyzer and one code fix, including Fix All, and checks the diagnostics of the rules the fix fixes (the
/// analyzer's other rules are switched off).
/// </summary>
public static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>Asserts the markup diagnostics, then that fixing them (one by one and all at once) gives <paramref name="fixedSource"/>.</summary>
    public static Task VerifyFixAsync(string source, string fixedSource, params (string Name, string Text)[] additionalFiles) =>
        CreateTest(source, fixedSource, additionalFiles).RunAsync();

    /// <summary>Builds the test, for callers that need to tune iterations.</summary>
    public static CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> CreateTest(string source, string fixedSource, (string Name, string Text)[] additionalFiles)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            ReferenceAssemblies = TestReferences.Net100,
            TestCode = source,
            FixedCode = fixedSource,
        };
        var fixes = new TCodeFix().FixableDiagnosticIds;
        test.DisabledDiagnostics.AddRange(new TAnalyzer().SupportedDiagnostics.Select(d => d.Id).Where(id => !fixes.Contains(id)).Distinct());
        foreach (var state in new[] { test.TestState, test.FixedState })
        {
            state.Sources.Add(("Wiki.cs", TestReferences.Wiki));
            state.Sources.Add(("Wiki.g.cs", TestReferences.WikiGenerated));
            state.Sources.Add(("EntityFramework.cs", TestReferences.FakeEntityFramework));
            state.AdditionalReferences.Add(TestReferences.TenantContextAssembly);
            foreach (var file in additionalFiles)
            {
                state.AdditionalFiles.Add((file.Name, file.Text));
            }
        }

        return test;
    }
}
