namespace Tenancy.Generators.Tests;

/// <summary>The generated source for each scenario, compared exactly with <c>Baselines/*.txt</c>.</summary>
public sealed class BaselineTests
{
    private const string Services = """
        namespace Demo
        {
            public sealed class WikiDatabase { }
            public sealed class PageStore { }
            public sealed class WikiRenderer { }
        }
        """;

    private static string Generate(string source, string hintName)
    {
        var outcome = GeneratorHarness.Run(source, Services);
        Assert.True(outcome.AllDiagnostics.IsEmpty, outcome.Describe());
        Assert.True(outcome.Sources.ContainsKey(hintName), $"No '{hintName}' among: {string.Join(", ", outcome.Sources.Keys)}");
        return outcome.Sources[hintName];
    }

    [Fact]
    public void Namespaced_class_with_two_accessors_gets_bodies_Enter_and_Register()
    {
        string source = """
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Db { get; }
                public static partial PageStore Storage { get; }
            }
            """;
        Baseline.Match("Namespaced", Generate(source, "Demo.Wiki.g.cs"));
    }

    [Fact]
    public void Class_in_the_global_namespace_is_emitted_without_a_namespace()
    {
        string source = """
            using Demo;
            [Tenancy.TenantAccessors]
            internal static partial class Wiki
            {
                internal static partial WikiDatabase Db { get; }
            }
            """;
        Baseline.Match("GlobalNamespace", Generate(source, "Wiki.g.cs"));
    }

    [Fact]
    public void Nested_class_is_emitted_inside_its_partial_containing_types()
    {
        string source = """
            namespace Demo.App;
            public static partial class Outer
            {
                internal partial class Middle
                {
                    [Tenancy.TenantAccessors]
                    public static partial class Wiki
                    {
                        public static partial Demo.WikiRenderer Renderer { get; }
                    }
                }
            }
            """;
        Baseline.Match("Nested", Generate(source, "Demo.App.Outer+Middle+Wiki.g.cs"));
    }

    [Fact]
    public void Keyword_and_acronym_property_names_become_escaped_camel_case_parameters()
    {
        string source = """
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                public static partial WikiDatabase Event { get; }
                public static partial PageStore URLStore { get; }
                public static partial System.Collections.Generic.List<string?> DB { get; }
            }
            """;
        Baseline.Match("ParameterNames", Generate(source, "Demo.Wiki.g.cs"));
    }

    [Fact]
    public void Class_without_accessors_gets_plain_Enter_and_Register()
    {
        string source = """
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
            }
            """;
        Baseline.Match("NoAccessors", Generate(source, "Demo.Wiki.g.cs"));
    }

    [Fact]
    public void Documented_property_keeps_the_users_documentation()
    {
        string source = """
            namespace Demo;
            [Tenancy.TenantAccessors]
            public static partial class Wiki
            {
                /// <summary>The wiki's own database.</summary>
                public static partial WikiDatabase Db { get; }
            }
            """;
        Baseline.Match("DocumentedProperty", Generate(source, "Demo.Wiki.g.cs"));
    }
}
