namespace Tenancy.PackageTests;

/// <summary>
/// The analyzers in the packed TenantContext run in a real <c>dotnet build</c> of a consumer that references the
/// package by version: diagnostics print, <c>.editorconfig</c> severities apply, and <c>TenantSingletons.txt</c> is read.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class AnalyzerPackageTests(PackageFixture fixture)
{
    private const string Wiki = """
        using Tenancy;

        namespace Demo;

        [TenantAccessors]
        public static partial class Wiki
        {
            public static partial PageStore Storage { get; }
        }

        public sealed class PageStore
        {
            public string Read(string name) => name;
        }

        public static class Globals
        {
            public static PageStore Storage = new();
        }
        """;

    private const string ScopeLess = """
        using Demo;
        using Tenancy;

        Console.WriteLine(Read("Home"));

        static string Read(string name) => Wiki.Storage.Read(name);
        """;

    /// <summary>Warnings stay warnings so the build succeeds and prints them.</summary>
    private string Project(string extraItems = "") =>
        fixture.ConsumerProject("<TreatWarningsAsErrors>false</TreatWarningsAsErrors>", extraItems);

    [Fact]
    public async Task Build_prints_TC1001_for_an_accessor_used_outside_a_scope()
    {
        var result = await fixture.CreateConsumer("analyzer-tc1001", new Dictionary<string, string>
        {
            ["Consumer.csproj"] = Project(),
            ["Wiki.cs"] = Wiki,
            ["Program.cs"] = ScopeLess,
        }, run: false);

        Assert.True(result.BuildExitCode == 0, result.BuildOutput);
        Assert.Contains("Program.cs(6,36): warning TC1001", result.BuildOutput, StringComparison.Ordinal);
        Assert.Contains("'Wiki.Storage' needs a tenant scope", result.BuildOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editorconfig_severity_error_fails_the_build_on_TC1001()
    {
        var result = await fixture.CreateConsumer("analyzer-editorconfig", new Dictionary<string, string>
        {
            ["Consumer.csproj"] = Project(),
            ["Wiki.cs"] = Wiki,
            ["Program.cs"] = ScopeLess,
            [".editorconfig"] = "root = true\n\n[*.cs]\ndotnet_diagnostic.TC1001.severity = error\n",
        }, run: false);

        Assert.NotEqual(0, result.BuildExitCode);
        Assert.Contains("error TC1001", result.BuildOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantSingletons_txt_is_honoured_and_its_bad_lines_reported()
    {
        var result = await fixture.CreateConsumer("analyzer-singletons", new Dictionary<string, string>
        {
            ["Consumer.csproj"] = Project("<AdditionalFiles Include=\"TenantSingletons.txt\" />"),
            ["Wiki.cs"] = Wiki,
            ["Program.cs"] = """
                using Demo;

                Console.WriteLine(Globals.Storage.Read("Home"));
                """,
            ["TenantSingletons.txt"] = "// process-wide instances\nF:Demo.Globals.Storage;Wiki.Storage\nF:Demo.Globals.Gone\n",
        }, run: false);

        Assert.True(result.BuildExitCode == 0, result.BuildOutput);
        Assert.Contains("Program.cs(3,19): warning TC1002", result.BuildOutput, StringComparison.Ordinal);
        Assert.Contains("use 'Wiki.Storage' instead", result.BuildOutput, StringComparison.Ordinal);
        Assert.Contains("TenantSingletons.txt(3,1): warning TC1009", result.BuildOutput, StringComparison.Ordinal);
    }
}
