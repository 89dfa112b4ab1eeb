using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Tenancy.Analyzers.Tests;

/// <summary>Half-typed code (what the IDE analyzes on every keystroke) never makes an analyzer throw (AD0001).</summary>
public class BrokenCodeTests
{
    private const string Valid = """
        using System; using System.Linq; using System.Threading; using System.Threading.Tasks; using Tenancy; using Microsoft.EntityFrameworkCore;
        public class Page : ITenantOwned { public string TenantId { get; set; } = ""; }
        public static class Globals { [TenantSingleton(Use = "Wiki.Storage")] public static object Storage = new(); }
        public interface IRepo { [RequiresTenant] void Save(); }
        public class Repo : IRepo { [RequiresTenant] public void Save() { _ = Wiki.Db; } }
        public class Service
        {
            static object? s_db;
            static Func<object>? s_f;
            public async Task RunAsync(CancellationToken ct, IQueryable<Page> pages)
            {
                await using (TenantContext.Enter("acme"))
                {
                    var db = Wiki.Db; s_db = db; s_f = () => db;
                    ThreadPool.UnsafeQueueUserWorkItem(_ => { _ = TenantContext.GetDb(); }, null);
                    using (ExecutionContext.SuppressFlow()) { _ = Task.Run(() => Wiki.Storage); }
                    var s = TenantContext.Enter("other"); try { _ = Globals.Storage; } finally { s.Dispose(); }
                }
                _ = pages.IgnoreQueryFilters().Count();
                TenantContext.Enter("leak");
                if (TenantContext.IsActive) { _ = TenantContext.Current.Slug; }
                var r = TenantContext.IsActive ? Wiki.Db : null;
                Func<object> f = [RequiresTenant] () => Wiki.Db;
                object L() => Wiki.Db switch { var x => x };
                new Repo().Save();
            }
        }
        """;

    private static readonly string[] Fragments =
    [
        "class C { void M() { using (TenantContext.Enter( { } } }",
        "class C { void M() { using var = TenantContext.Enter(\"a\"); } }",
        "class C { void M() { using (TenantContext.Enter(\"a\") { Wiki.Db } } }",
        "class C { void M() { var s = TenantContext.Enter(\"a\"); try { } finally { s. } } }",
        "class C { void M() { var s = TenantContext.Enter(\"a\"); try { Wiki.Db; } finally",
        "class C { void M() { TenantContext.Run(\"a\", () => ); } }",
        "class C { void M() { TenantContext.Run(() => Wiki.Db); } }",
        "class C { void M() { if (TenantContext.IsActive { Wiki.Db; } } }",
        "class C { void M() { if (!TenantContext.IsActive) return Wiki.Db } }",
        "class C { object M() => TenantContext.IsActive ? : Wiki.Db; }",
        "class C { [RequiresTenant( void M() { Wiki.Db; } }",
        "class C { [RequiresTenant] void M( { Wiki.Db; } }",
        "[RequiresTenant class C { object M() => Wiki.Db; }",
        "class C { Func<object> M() => [RequiresTenant] => Wiki.Db; }",
        "class C { void M() { [RequiresTenant] object L( => Wiki.Db; } }",
        "class C { static object s = TenantContext.GetDb(; }",
        "class C { static object s { get; } = Wiki.; }",
        "class C { static object? s; void M() { s = ; s = Wiki.Db } }",
        "class C { static object? s; void M() { s ??= TenantContext.GetStorage(); s = () => ; } }",
        "class C { static Func<object>? f; void M() { var db = Wiki.Db; f = () => db } }",
        "class C { void M() { ThreadPool.UnsafeQueueUserWorkItem(_ => { Wiki.Db }, ); } }",
        "class C { void M() { ThreadPool.UnsafeQueueUserWorkItem(, null); } }",
        "class C { void M(CancellationToken ct) { ct.UnsafeRegister( } }",
        "class C { void M() { using (ExecutionContext.SuppressFlow() { Task.Run(() => Wiki.Db); } }",
        "class C { void M() { using var f = ExecutionContext.SuppressFlow(; Task.Run(() => Wiki.Db); } }",
        "class C { void M() { ExecutionContext.SuppressFlow() Task.Run(() => Wiki.Db); } }",
        "class C { object M(IQueryable<Page> q) => q.IgnoreQueryFilters(; }",
        "class C { object M(IQueryable<Page> q) => q.IgnoreQueryFilters<>(); }",
        "class C { object M(IQueryable<Nope> q) => q.IgnoreQueryFilters(); }",
        "class C { [CrossTenant( object M(IQueryable<Page> q) => q.IgnoreQueryFilters(); }",
        "class B { public virtual void M() { } } class D : B { [RequiresTenant] public override void M( }",
        "interface I { void M(); } class D : I { [RequiresTenant] void I.M( { } }",
        "interface I { void M(); } class D : I { [RequiresTenant] void I. }",
        "class B { public virtual int P => 0; } class D : B { [RequiresTenant] public override int P => }",
        "class D : Missing { [RequiresTenant] public override void M() { } }",
        "class G { [TenantSingleton(Use = )] public static object S = new(); }",
        "class G { [TenantSingleton(Use = 42)] public static object S = new(); }",
        "class G { [TenantSingleton(Use = null)] public static object S = new(); }",
        "class G { [TenantSingleton(Use = \"\")] public static object S = new(); }",
        "class G { [TenantSingleton(Use = \"..\")] public static object S = new(); }",
        "class C { object M() => Globals.; }",
        "class C { object M() => Globals.Storage.; }",
        "class C { string M() => nameof(Wiki.; }",
        "class C { string M() => nameof(; }",
        "class C { void M() { TenantContext.Enter(; } }",
        "class C { void M() { TenantContext.Enter(\"a\") } }",
        "class C { void M() { Wiki.Enter } }",
        "class C { async Task M() { await using (TenantContext.Enter(\"a\").ConfigureAwait( { } } }",
        "class C { async Task M() { await TenantContext.Enter(\"a\"); } }",
        "class C { TenantScope M() => return TenantContext.Enter(\"a\"); }",
        "class C { void M() { switch (1) { case 1: using var s = TenantContext.Enter(\"a\"); Wiki.Db; } } }",
        "class C { object M(int k) => k switch { 0 => Wiki.Db, => }; }",
        "class C { object? M() => TenantContext.GetStorage()?.; }",
        "class C { object M() => new Repo(; }",
        "class C { object M() => new; }",
        "class C { event EventHandler E; void M() { E += ; } }",
        "using var s = TenantContext.Enter(\"a\"); Wiki.Db",
        "TenantContext.Enter(; var x = Wiki.",
        "partial class C { partial void M( ; }",
        "class C<T> where T : ITenantOwned { object M(IQueryable<T> q) => q.IgnoreQueryFilters(); }",
        "}}}} class C { void M() { Wiki.Db; } {{{{",
        "class C { void M() { goto; using (TenantContext.Enter(\"a\")) lbl: Wiki.Db; } }",
        "class C { void M() { using (TenantContext.Enter(\"a\")) using (TenantContext.Enter(\"b\")) Wiki.Db } }",
        "/// <see cref=\"TenantContext.GetDb(\"/> \nclass C { }",
    ];

    public static TheoryData<string> Snippets()
    {
        var data = new TheoryData<string>();
        var prelude = "using System; using System.Linq; using System.Threading; using System.Threading.Tasks; using Tenancy; using Microsoft.EntityFrameworkCore;\n";
        foreach (var fragment in Fragments)
        {
            data.Add(prelude + fragment);
        }

        // Every Valid source cut short at 30 points: unterminated blocks, lambdas, attributes and arguments.
        for (var i = 1; i <= 30; i++)
        {
            data.Add(Valid.Substring(0, Valid.Length * i / 31));
        }

        return data;
    }

    [Fact]
    public void There_are_at_least_fifty_broken_snippets() => Assert.True(Snippets().Count >= 50);

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task Broken_snippet_produces_no_analyzer_exception(string source)
    {
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(source, path: "Broken.cs"),
            CSharpSyntaxTree.ParseText(Verifiers.TestReferences.Wiki, path: "Wiki.cs"),
            CSharpSyntaxTree.ParseText(Verifiers.TestReferences.FakeEntityFramework, path: "Ef.cs"),
        };
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(Verifiers.TestReferences.TenantContextAssembly);
        var compilation = CSharpCompilation.Create("Broken", trees, references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var exceptions = new List<Exception>();
        var list = new InMemoryText("TenantSingletons.txt", "F:Globals.Storage;Wiki.Storage\nF:\n;;\nM:Nope(\n;Wiki.\n// x");
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([list]),
            onAnalyzerException: (e, _, _) => { lock (exceptions) { exceptions.Add(e); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(Verifiers.TestReferences.AllAnalyzers(), options).GetAllDiagnosticsAsync();

        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }
}
