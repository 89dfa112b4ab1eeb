namespace Tenancy.PackageTests;

/// <summary>
/// A console app that references the packed TenantContext by version and declares a <c>[TenantAccessors]</c> class:
/// the generator in the package runs in a real <c>dotnet build</c>, and the accessors work at run time.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class GeneratedAccessorPackageTests(PackageFixture fixture)
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static ConsumerResult? s_result;

    private const string Wiki = """
        using Tenancy;

        namespace Demo;

        [TenantAccessors]
        internal static partial class Wiki
        {
            internal static partial WikiDatabase Db { get; }
            internal static partial PageStore Storage { get; }
        }

        internal sealed class WikiDatabase(string name)
        {
            public string Name { get; } = name;
        }

        internal sealed class PageStore(string name)
        {
            public string Name { get; } = name;
        }
        """;

    private const string Program = """
        using Demo;
        using Tenancy;

        TenantContext.Configure(b => Wiki.Register(b, t => new WikiDatabase("db-" + t.Slug), t => new PageStore("store-" + t.Slug)));

        try
        {
        #pragma warning disable TC1001 // reached outside a scope on purpose: the run-time check is what is tested
            Console.WriteLine($"outside=returned {Wiki.Db.Name}");
        #pragma warning restore TC1001
        }
        catch (TenantScopeRequiredException e)
        {
            Console.WriteLine($"outside=threw {e.Member}");
        }

        using (Wiki.Enter("acme"))
        {
            Console.WriteLine($"acme={Wiki.Db.Name},{Wiki.Storage.Name}");
        }

        using (Wiki.Enter("acme", db: new WikiDatabase("fake")))
        {
            Console.WriteLine($"injected={Wiki.Db.Name},{Wiki.Storage.Name}");
        }

        using (Wiki.Enter("globex"))
        {
            Console.WriteLine($"globex={Wiki.Db.Name},{Wiki.Storage.Name}");
        }
        """;

    private async Task<ConsumerResult> Consumer()
    {
        await s_gate.WaitAsync();
        try
        {
            s_result ??= await fixture.CreateConsumer(
                "accessors",
                new Dictionary<string, string>
                {
                    ["Consumer.csproj"] = fixture.ConsumerProject("<GenerateDocumentationFile>true</GenerateDocumentationFile>"),
                    ["Wiki.cs"] = Wiki,
                    ["Program.cs"] = Program,
                });
            return s_result;
        }
        finally
        {
            s_gate.Release();
        }
    }

    private async Task<string> Line(string key)
    {
        var result = await Consumer();
        Assert.True(result.RunExitCode == 0, $"The consumer did not build and run.{Environment.NewLine}{result.Output}");
        return Assert.Single(result.RunLines, l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
    }

    [Fact]
    public async Task Consumer_builds_with_the_packed_generator_and_no_warnings()
    {
        var result = await Consumer();
        Assert.True(result.BuildExitCode == 0, result.BuildOutput);
        Assert.Contains(" 0 Warning(s)", result.BuildOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generated_accessor_reads_the_current_tenants_instance()
        => Assert.Equal("db-acme,store-acme", await Line("acme"));

    [Fact]
    public async Task Generated_accessor_outside_a_scope_throws_naming_the_accessor()
        => Assert.Equal("threw Wiki.Db", await Line("outside"));

    [Fact]
    public async Task Typed_Enter_injects_the_override_and_keeps_the_other_accessors()
        => Assert.Equal("fake,store-acme", await Line("injected"));

    [Fact]
    public async Task Another_tenant_gets_its_own_instances()
        => Assert.Equal("db-globex,store-globex", await Line("globex"));
}
