using System.Runtime.CompilerServices;

namespace Tenancy.Analyzers.Tests;

/// <summary>Nothing ships undocumented: every rule of every analyzer has a help link, a page and a release entry.</summary>
public class RuleCatalogTests
{
    private static string AnalyzersDirectory([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "analyzers"));

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Verifiers.TestReferences.AllAnalyzers().SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct())
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void Every_rule_from_TC1001_to_TC1010_has_an_analyzer()
    {
        var ids = Verifiers.TestReferences.AllAnalyzers().SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"TC{1000 + i}"), ids.Order());
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_has_a_help_link_to_its_page(string id)
    {
        var descriptor = Verifiers.TestReferences.AllAnalyzers().SelectMany(a => a.SupportedDiagnostics).First(d => d.Id == id);
        Assert.Equal($"https://github.com/tenantcontext/tenantcontext/blob/main/analyzers/docs/{id}.md", descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_has_a_doc_page_with_wrong_and_right_examples(string id)
    {
        var page = Path.Combine(AnalyzersDirectory(), "docs", id + ".md");
        Assert.True(File.Exists(page), $"{page} is missing");
        var text = File.ReadAllText(page);
        Assert.StartsWith($"# {id} — ", text, StringComparison.Ordinal);
        Assert.Contains("## Wrong", text, StringComparison.Ordinal);
        Assert.Contains("## Right", text, StringComparison.Ordinal);
        Assert.Contains("## Configuration", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_has_a_release_tracking_entry(string id)
    {
        var directory = Path.Combine(AnalyzersDirectory(), "TenantContext.Analyzers");
        var lines = File.ReadAllLines(Path.Combine(directory, "AnalyzerReleases.Shipped.md"))
            .Concat(File.ReadAllLines(Path.Combine(directory, "AnalyzerReleases.Unshipped.md")));
        Assert.Contains(lines, l => l.StartsWith(id + " ", StringComparison.Ordinal) || l.StartsWith(id + "|", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_is_a_warning_enabled_by_default(string id)
    {
        var descriptor = Verifiers.TestReferences.AllAnalyzers().SelectMany(a => a.SupportedDiagnostics).First(d => d.Id == id);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
    }
}
