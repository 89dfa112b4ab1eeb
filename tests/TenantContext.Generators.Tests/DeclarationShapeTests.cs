using Microsoft.CodeAnalysis;

namespace Tenancy.Generators.Tests;

/// <summary>
/// Declarations the generator meets in real code: every one either compiles cleanly with the generated part, or is
/// reported by a TC2xxx diagnostic — never compiler errors in generated code, never a crash that drops every output.
/// </summary>
public sealed class DeclarationShapeTests
{
    private static void AssertClean(GeneratorOutcome outcome) => Assert.True(outcome.AllDiagnostics.IsEmpty, outcome.Describe());

    [Fact]
    public void A_public_class_with_an_internal_accessor_type_gets_internal_Enter_and_Register()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                internal static partial WikiDatabase Db { get; }
                public static partial PageStore Storage { get; }
            }
            internal sealed class WikiDatabase { }
            public sealed class PageStore { }
            """);

        AssertClean(outcome);
        string source = outcome.Sources["Demo.Wiki.g.cs"];
        Assert.Contains("internal static global::Tenancy.TenantScope Enter(", source, StringComparison.Ordinal);
        Assert.Contains("internal static global::Tenancy.TenantContextBuilder Register(", source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_accessor_type_nested_privately_makes_Enter_and_Register_private()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                private static partial Secret Key { get; }
                private sealed class Secret { }
                public static object Read() => Key;
            }
            """);

        AssertClean(outcome);
        Assert.Contains("private static global::Tenancy.TenantScope Enter(", outcome.Sources["Demo.Wiki.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_class_with_public_accessor_types_keeps_public_Enter()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial System.Collections.Generic.List<PageStore> Pages { get; } }
            public sealed class PageStore { }
            """);

        AssertClean(outcome);
        Assert.Contains("public static global::Tenancy.TenantScope Enter(", outcome.Sources["Demo.Wiki.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_generic_accessor_type_with_an_internal_argument_narrows_Enter_to_internal()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { internal static partial System.Collections.Generic.List<Page> Pages { get; } }
            internal sealed class Page { }
            """);

        AssertClean(outcome);
        Assert.Contains("internal static global::Tenancy.TenantScope Enter(", outcome.Sources["Demo.Wiki.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_property_without_an_access_modifier_is_implemented_without_one()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            internal static partial class Wiki
            {
                static partial PageStore Storage { get; }
                public static string Read() => Storage.ToString()!;
            }
            internal sealed class PageStore { }
            """);

        AssertClean(outcome);
        Assert.Contains("    static partial global::Demo.PageStore Storage =>", outcome.Sources["Demo.Wiki.g.cs"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("internal")]
    [InlineData("public new")]
    public void The_property_modifiers_are_repeated_as_declared(string modifiers)
    {
        var outcome = GeneratorHarness.Run($$"""
            namespace Demo;
            public static partial class Outer
            {
                [Tenancy.TenantAccessors]
                internal static partial class Wiki
                {
                    {{modifiers}} static partial PageStore Storage { get; }
                }
            }
            public sealed class PageStore { }
            """);

        // 'new' that hides nothing is CS0109 on the user's declaration whatever the generator does; nothing else may appear.
        var errors = outcome.AllDiagnostics.Where(d => d.Id != "CS0109").ToList();
        Assert.True(errors.Count == 0, outcome.Describe());
        Assert.Contains($"{modifiers} static partial global::Demo.PageStore Storage =>", outcome.Sources.Values.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_local_class_is_reported_with_TC2009_and_nothing_is_generated_for_it()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            file static partial class Wiki { public static partial PageStore Storage { get; } }
            [Tenancy.TenantAccessors]
            internal static partial class Site { internal static partial PageStore Pages { get; } }
            public sealed class PageStore { }
            """);

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("TC2009", diagnostic.Id);
        Assert.Contains("'Wiki' is file-local", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(["Demo.Site.g.cs"], outcome.Sources.Keys);
    }

    [Fact]
    public void A_class_nested_in_a_file_local_type_is_reported_with_TC2009()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            file static partial class Outer
            {
                [Tenancy.TenantAccessors]
                internal static partial class Wiki { internal static partial PageStore Storage { get; } }
            }
            public sealed class PageStore { }
            """);

        Assert.Equal("TC2009", Assert.Single(outcome.GeneratorDiagnostics).Id);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void Keyword_names_are_escaped_in_the_namespace_the_types_and_the_properties()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo.@class;
            public static partial class @static
            {
                [Tenancy.TenantAccessors]
                public static partial class @class
                {
                    public static partial @event @event { get; }
                    public static partial @object Object { get; }
                }
            }
            public sealed class @event { }
            public sealed class @object { }
            """);

        AssertClean(outcome);
        Assert.Equal(["Demo.class.static+class.g.cs"], outcome.Sources.Keys);
        string source = outcome.Sources.Values.Single();
        Assert.Contains("namespace Demo.@class;", source, StringComparison.Ordinal);
        Assert.Contains("static partial class @class", source, StringComparison.Ordinal);
        Assert.Contains("public static partial global::Demo.@class.@event @event =>", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nested_class_and_a_namespace_of_the_same_dotted_name_get_two_files_not_a_crash()
    {
        var outcome = GeneratorHarness.Run("""
            namespace A.B
            {
                [Tenancy.TenantAccessors]
                public static partial class C { public static partial Demo.PageStore Pages { get; } }
            }
            namespace A
            {
                public static partial class B
                {
                    [Tenancy.TenantAccessors]
                    public static partial class C { public static partial Demo.WikiDatabase Db { get; } }
                }
            }
            namespace Demo
            {
                public sealed class PageStore { }
                public sealed class WikiDatabase { }
            }
            """);

        // The compiler refuses a namespace and a type both named A.B (CS0101), but an editor shows such code while it is
        // typed: the generator must still add both files rather than throw and drop every output.
        Assert.Equal(["A.B+C.g.cs", "A.B.C.g.cs"], outcome.Sources.Keys.Order(StringComparer.Ordinal));
        Assert.All(outcome.AllDiagnostics, d => Assert.Equal("CS0101", d.Id));
    }

    [Fact]
    public void Classes_whose_names_differ_only_in_case_get_two_files()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki { public static partial PageStore Pages { get; } }
            [Tenancy.TenantAccessors]
            public static partial class wiki { public static partial WikiDatabase Db { get; } }
            public sealed class PageStore { }
            public sealed class WikiDatabase { }
            """);

        AssertClean(outcome);
        Assert.Equal(2, outcome.Sources.Count);
        Assert.Contains("Demo.Wiki.g.cs", outcome.Sources.Keys);
        Assert.Contains("Demo.wiki.2.g.cs", outcome.Sources.Keys);
    }

    [Fact]
    public void A_get_only_auto_property_without_partial_is_reported_with_TC2002()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static PageStore Storage { get; }
                public static partial WikiDatabase Db { get; }
            }
            public sealed class PageStore { }
            public sealed class WikiDatabase { }
            """);

        var diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
        Assert.Equal("TC2002", diagnostic.Id);
        Assert.Contains("'Wiki.Storage' cannot be a tenant accessor: it is not partial", diagnostic.GetMessage(), StringComparison.Ordinal);
        var tree = outcome.Compilation.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Equal("Storage", tree.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Contains("Db =>", outcome.Sources["Demo.Wiki.g.cs"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static string Name => \"wiki\";")]
    [InlineData("public static string Name { get; } = \"wiki\";")]
    [InlineData("public static string Name { get; set; } = \"\";")]
    [InlineData("public static string Name { get { return \"wiki\"; } }")]
    public void An_ordinary_static_property_is_not_an_accessor_and_not_reported(string property)
        => AssertClean(GeneratorHarness.Run($$"""
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                {{property}}
                public static partial PageStore Storage { get; }
            }
            public sealed class PageStore { }
            """));
}
