using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Tenancy.Generators.Tests;

/// <summary>The pipeline caches: unrelated edits regenerate nothing, and no step holds Roslyn objects.</summary>
public sealed class IncrementalTests
{
    private const string Accessors = """
        namespace Demo;
        [Tenancy.TenantAccessors]
        public static partial class Wiki
        {
            public static partial WikiDatabase Db { get; }
            public static partial PageStore Storage { get; }
        }
        """;

    private const string Services = """
        namespace Demo;
        public sealed class WikiDatabase { }
        public sealed class PageStore { }
        """;

    private static readonly string[] s_trackedSteps =
        [TrackingNames.Transform, TrackingNames.Spec, TrackingNames.AllSpecs, TrackingNames.Diagnostics, TrackingNames.TypeUses, TrackingNames.AllTypeUses];

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.Compile((Accessors, "/src/Wiki.cs"), (Services, "/src/Services.cs"));
        return (GeneratorHarness.CreateDriver().RunGenerators(compilation), compilation);
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string path, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, path));
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
        => result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason) : [];

    [Fact]
    public void Every_step_is_tracked_by_name()
    {
        var (driver, _) = FirstRun();
        var result = driver.GetRunResult().Results.Single();
        Assert.All(s_trackedSteps, step => Assert.True(result.TrackedSteps.ContainsKey(step), $"No step named {step}"));
    }

    [Fact]
    public void Second_run_on_a_cloned_compilation_is_cached_in_every_step()
    {
        var (driver, compilation) = FirstRun();
        var result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        Assert.All(s_trackedSteps, step => Assert.All(Reasons(result, step), r =>
            Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}")));
    }

    [Fact]
    public void Edit_in_an_unrelated_file_is_cached_or_unchanged_in_every_step()
    {
        var (driver, compilation) = FirstRun();
        var edited = Edit(compilation, "/src/Services.cs", Services + "\npublic sealed class Unrelated { }\n");
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(s_trackedSteps, step => Assert.All(Reasons(result, step), r =>
            Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}")));
    }

    [Fact]
    public void Moving_the_class_within_its_file_leaves_the_emitted_spec_unchanged()
    {
        var (driver, compilation) = FirstRun();
        var edited = Edit(compilation, "/src/Wiki.cs", "// a comment that moves every position\n" + Accessors);
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(Reasons(result, TrackingNames.Spec), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
    }

    [Fact]
    public void Adding_an_accessor_modifies_the_spec()
    {
        var (driver, compilation) = FirstRun();
        var edited = Edit(compilation, "/src/Wiki.cs", Accessors.Replace(
            "public static partial PageStore Storage { get; }",
            "public static partial PageStore Storage { get; }\n    public static partial System.IDisposable Lock { get; }",
            StringComparison.Ordinal));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Transform));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Spec));
        Assert.Contains("Lock", result.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_compilation_without_TenantAccessors_runs_no_step_past_the_attribute_filter()
    {
        // Ordinary code (and a look-alike attribute from another namespace, which the metadata-name match rules out before
        // the parser runs): nothing is parsed, emitted or reported, and nothing changes on the next edit.
        const string Lookalike = """
            namespace Other
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class TenantAccessorsAttribute : System.Attribute { }

                [TenantAccessors]
                public static partial class Wiki { public static partial string Name { get; } }

                public static partial class Wiki { public static partial string Name => "wiki"; }
            }
            """;
        var compilation = GeneratorHarness.Compile((Services, "/src/Services.cs"), (Lookalike, "/src/Other.cs"));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();

        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(Reasons(result, TrackingNames.Transform));
        Assert.Empty(Reasons(result, TrackingNames.Spec));

        var edited = Edit(compilation, "/src/Services.cs", Services + "\npublic sealed class Unrelated { }\n");
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Empty(Reasons(second, TrackingNames.Transform));
        Assert.Empty(second.GeneratedSources);
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_location_or_compilation()
    {
        var (driver, _) = FirstRun();
        var result = driver.GetRunResult().Results.Single();
        foreach (string step in s_trackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertPlain(output.Value, $"{step}", new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertPlain(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(
            value is ISymbol or SyntaxNode or SyntaxTree or Location or Compilation or SemanticModel,
            $"{path} holds a {value.GetType().Name}: models must carry plain values (strings, EquatableArray, LocationInfo).");
        if (!value.GetType().IsValueType && !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertPlain(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPlain(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }
}
