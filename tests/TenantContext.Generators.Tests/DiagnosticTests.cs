using Microsoft.CodeAnalysis;

namespace Tenancy.Generators.Tests;

/// <summary>Each TC2xxx diagnostic: reported on misuse (at the right place), and not reported on correct code.</summary>
public sealed class DiagnosticTests
{
    private const string Services = """
        namespace Demo
        {
            public sealed class WikiDatabase { }
            public sealed class PageStore { }
        }
        """;

    private static GeneratorOutcome Run(string source) => GeneratorHarness.Run(source, Services);

    /// <summary>The single generator diagnostic, and the source text it points at.</summary>
    private static (Diagnostic Diagnostic, string Text) Single(GeneratorOutcome outcome, string id)
    {
        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics, d => d.Id == id);
        var tree = outcome.Compilation.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        return (diagnostic, tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    private static void AssertClean(GeneratorOutcome outcome) => Assert.True(outcome.AllDiagnostics.IsEmpty, outcome.Describe());

    [Fact]
    public void TC2001_is_reported_for_a_class_that_is_not_static()
    {
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public partial class Wiki { public static partial WikiDatabase Db { get; } }
            """);
        var (diagnostic, text) = Single(outcome, "TC2001");
        Assert.Equal("Wiki", text);
        Assert.Contains("static partial class Wiki", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void TC2001_is_reported_for_a_class_that_is_not_partial()
    {
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static class Wiki { }
            """);
        Assert.Equal("Wiki", Single(outcome, "TC2001").Text);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void TC2001_is_reported_for_a_record()
    {
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public sealed partial record Wiki { public static partial WikiDatabase Db { get; } }
            """);
        Assert.Equal("Wiki", Single(outcome, "TC2001").Text);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void TC2001_is_not_reported_for_a_static_partial_class()
        => AssertClean(Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial WikiDatabase Db { get; } }
            """));

    [Theory]
    [InlineData("public static partial WikiDatabase Db { get; set; }", "it has a set or init accessor")]
    [InlineData("public static partial WikiDatabase Db { get; init; }", "it has a set or init accessor")]
    [InlineData("public static partial WikiDatabase Db { set; }", "it has no getter")]
    public void TC2002_is_reported_for_a_partial_property_that_is_not_get_only(string property, string reason)
    {
        var outcome = Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { {{property}} }
            """);
        var (diagnostic, text) = Single(outcome, "TC2002");
        Assert.Equal("Db", text);
        Assert.Contains(reason, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TC2002_is_reported_for_a_partial_property_that_is_not_static()
    {
        // A static class cannot hold instance members, so the compiler also complains; the generator says why.
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public partial WikiDatabase Db { get; } }
            """);
        Assert.Contains("it is not static", Single(outcome, "TC2002").Diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TC2002_is_not_reported_for_ordinary_static_members_next_to_the_accessors()
        => AssertClean(Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Db { get; }
                public static string Title { get; set; } = "wiki";
                public static int Count => 1;
            }
            """));

    [Fact]
    public void TC2003_is_reported_for_the_second_accessor_of_the_same_type_in_one_class()
    {
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Db { get; }
                public static partial WikiDatabase Archive { get; }
            }
            """);
        var (diagnostic, text) = Single(outcome, "TC2003");
        Assert.Equal("Archive", text);
        Assert.Contains("'Wiki.Db'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TC2003_is_reported_across_accessor_classes_of_one_compilation()
    {
        var outcome = Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial WikiDatabase Db { get; } }
            [Tenancy.TenantAccessors]
            public static partial class Blog { public static partial WikiDatabase Db { get; } }
            """);
        Assert.Contains("'Blog.Db'", Single(outcome, "TC2003").Diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void TC2003_is_not_reported_for_accessors_of_different_types()
        => AssertClean(Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial WikiDatabase Db { get; } }
            [Tenancy.TenantAccessors]
            public static partial class Blog { public static partial PageStore Storage { get; } }
            """));

    [Theory]
    [InlineData("int", "not a reference type")]
    [InlineData("object", "'object' names no service")]
    [InlineData("dynamic", "'object' names no service")]
    [InlineData("WikiDatabase?", "nullable-annotated")]
    [InlineData("System.Guid", "not a reference type")]
    public void TC2004_is_reported_for_an_unsupported_type(string type, string reason)
    {
        var outcome = Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial {{type}} Db { get; } }
            """);
        var (diagnostic, text) = Single(outcome, "TC2004");
        Assert.Equal("Db", text);
        Assert.Contains(reason, diagnostic.GetMessage(), StringComparison.Ordinal);
        // The property still gets a body, so TC2004 is the only error.
        Assert.Equal(["TC2004"], outcome.AllDiagnostics.Select(d => d.Id));
    }

    [Theory]
    [InlineData("System.Collections.Generic.List<string>")]
    [InlineData("string[]")]
    [InlineData("System.IDisposable")]
    [InlineData("System.Action")]
    public void TC2004_is_not_reported_for_other_reference_types(string type)
        => AssertClean(Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial {{type}} Db { get; } }
            """));

    [Theory]
    [InlineData("public static void Enter() { }", "Enter")]
    [InlineData("public static int Register => 0;", "Register")]
    [InlineData("public static partial PageStore Enter { get; }", "Enter")]
    public void TC2005_is_reported_for_a_member_named_like_a_generated_method_which_is_then_skipped(string member, string name)
    {
        var outcome = Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Db { get; }
                {{member}}
            }
            """);
        Assert.Equal(name, Single(outcome, "TC2005").Text);
        Assert.Equal(["TC2005"], outcome.AllDiagnostics.Select(d => d.Id));
    }

    [Fact]
    public void TC2005_is_not_reported_for_an_overload_free_class()
        => AssertClean(Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Db { get; }
                public static void Enterprise() { }
            }
            """));

    [Theory]
    [InlineData("Tenant", "tenant", "Enter")]
    [InlineData("Builder", "builder", "Register")]
    [InlineData("StorageLifetime", "storageLifetime", "Register")]
    public void TC2006_is_reported_for_an_accessor_whose_parameter_name_is_taken(string property, string parameter, string method)
    {
        var outcome = Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase {{property}} { get; }
                public static partial PageStore Storage { get; }
            }
            """);
        var (diagnostic, _) = Single(outcome, "TC2006");
        Assert.Contains($"'{parameter}'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains($"'{method}'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(["TC2006"], outcome.AllDiagnostics.Select(d => d.Id));
    }

    [Fact]
    public void TC2006_is_not_reported_for_names_that_only_look_alike()
        => AssertClean(Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Tenants { get; }
                public static partial PageStore Builders { get; }
            }
            """));

    [Fact]
    public void TC2007_is_reported_for_a_class_nested_in_a_generic_type()
    {
        var outcome = Run("""
            namespace Demo;
            public static partial class Outer<T>
            {
                [Tenancy.TenantAccessors]
                public static partial class Wiki { }
            }
            """);
        Assert.Contains("'Outer'", Single(outcome, "TC2007").Diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void TC2007_is_not_reported_for_a_class_nested_in_a_non_generic_partial_type()
        => AssertClean(Run("""
            namespace Demo;
            public static partial class Outer
            {
                [Tenancy.TenantAccessors]
                public static partial class Wiki { public static partial WikiDatabase Db { get; } }
            }
            """));

    [Fact]
    public void TC2008_is_reported_for_a_class_nested_in_a_type_that_is_not_partial()
    {
        var outcome = Run("""
            namespace Demo;
            public static class Outer
            {
                [Tenancy.TenantAccessors]
                public static partial class Wiki { }
            }
            """);
        var (diagnostic, text) = Single(outcome, "TC2008");
        Assert.Equal("Wiki", text);
        Assert.Contains("'Outer'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void Every_descriptor_is_an_error_with_a_help_link_to_its_doc_page_which_exists()
    {
        string docs = Path.Combine(RepositoryRoot(), "analyzers", "docs");
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity);
            Assert.Equal($"https://github.com/tenantcontext/tenantcontext/blob/main/analyzers/docs/{d.Id}.md", d.HelpLinkUri);
            Assert.True(File.Exists(Path.Combine(docs, d.Id + ".md")), $"No doc page for {d.Id} in {docs}");
        });
    }

    [Fact]
    public void Every_descriptor_is_listed_in_the_release_tracking_files()
    {
        string dir = Path.Combine(RepositoryRoot(), "generators", "TenantContext.Generators");
        string tracked = File.ReadAllText(Path.Combine(dir, "AnalyzerReleases.Shipped.md")) + File.ReadAllText(Path.Combine(dir, "AnalyzerReleases.Unshipped.md"));
        Assert.All(DiagnosticDescriptors.All, d => Assert.Contains(d.Id + " |", tracked, StringComparison.Ordinal));
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(path)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TenantContext.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TenantContext.sln not found above " + path);
    }
}
