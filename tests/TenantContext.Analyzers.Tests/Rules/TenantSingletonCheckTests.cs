using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class TenantSingletonCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.TenantSingletonUse);

    private const string Legacy = """
        using System; using System.Threading.Tasks; using Tenancy;
        namespace Legacy
        {
            public class Store { public string Read() => ""; }
            public static class Globals
            {
                [TenantSingleton(Use = "Wiki.Storage")] public static Store Storage = new();
                [TenantSingleton] public static Store Cache { get; } = new();
                public static Store Plain = new();
                public static Store Listed = new();
                public static Store GetStore() => Plain;
                public static event EventHandler? Changed;
                public static string Touch() => Storage.Read();
            }
        }

        """;

    private static (string, string) List(string text) => ("TenantSingletons.txt", text);

    // ---- must report ----

    [Fact]
    public Task Marked_field_is_reported_with_its_replacement() => Verify.VerifyAsync(Legacy + """
        class C { object M() => {|TC1002:Legacy.Globals.Storage|}; }
        """);

    [Fact]
    public Task Marked_property_without_replacement_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => {|TC1002:Legacy.Globals.Cache|}; }
        """);

    [Fact]
    public Task Singleton_inside_a_tenant_scope_is_still_reported() => Verify.VerifyAsync(Legacy + """
        class C { void M() { using (TenantContext.Enter("a")) { _ = {|TC1002:Legacy.Globals.Storage|}.Read(); } } }
        """);

    [Fact]
    public Task Singleton_in_a_lambda_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { Func<string> M() => () => {|TC1002:Legacy.Globals.Storage|}.Read(); }
        """);

    [Fact]
    public Task Singleton_under_conditional_access_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { string? M() => {|TC1002:Legacy.Globals.Cache|}?.Read(); }
        """);

    [Fact]
    public Task Singleton_in_a_field_initializer_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { object _s = {|TC1002:Legacy.Globals.Storage|}; }
        """);

    [Fact]
    public Task Singleton_in_an_async_method_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { async Task<string> M() { await Task.Yield(); return {|TC1002:Legacy.Globals.Cache|}.Read(); } }
        """);

    [Fact]
    public Task Listed_field_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => {|TC1002:Legacy.Globals.Listed|}; }
        """, List("F:Legacy.Globals.Listed;Wiki.Storage"));

    [Fact]
    public Task Listed_method_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => {|TC1002:Legacy.Globals.GetStore()|}; }
        """, List("M:Legacy.Globals.GetStore // the old factory"));

    [Fact]
    public Task Listed_event_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { void M() => {|TC1002:Legacy.Globals.Changed|} += (s, e) => { }; }
        """, List("E:Legacy.Globals.Changed"));

    [Fact]
    public Task Singleton_in_a_switch_expression_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M(int k) => k switch { 0 => {|TC1002:Legacy.Globals.Storage|}, _ => new object() }; }
        """);

    [Fact]
    public Task Singleton_in_top_level_statements_is_reported() => Verify.VerifyProgramAsync(Legacy.Replace("using System; using System.Threading.Tasks; using Tenancy;\n", "") + """
        class P { }
        """.Replace("class P { }", "") is var decls ? "using System; using Tenancy;\nvar s = {|TC1002:Legacy.Globals.Storage|};\n" + decls : "");

    // ---- must not report ----

    [Fact]
    public Task Unmarked_field_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => Legacy.Globals.Plain; }
        """);

    [Fact]
    public Task Use_inside_the_declaring_type_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { string M() => Legacy.Globals.Touch(); }
        """);

    [Fact]
    public Task Nameof_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { string M() => nameof(Legacy.Globals.Storage); }
        """);

    [Fact]
    public Task Commented_out_list_line_is_ignored() => Verify.VerifyAsync(Legacy + """
        class C { object M() => Legacy.Globals.Listed; }
        """, List("// F:Legacy.Globals.Listed"));

    [Fact]
    public Task Unlisted_member_with_same_name_elsewhere_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class Other { public static object Listed = new(); }
        class C { object M() => Other.Listed; }
        """, List("F:Legacy.Globals.Listed"));

    [Fact]
    public Task List_with_another_file_name_is_ignored() => Verify.VerifyAsync(Legacy + """
        class C { object M() => Legacy.Globals.Listed; }
        """, ("BannedSymbols.txt", "F:Legacy.Globals.Listed"));

    [Fact]
    public Task Instance_field_of_same_name_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { object Storage = new(); object M() => Storage; }
        """);

    [Fact]
    public Task Accessor_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => Wiki.Storage; }
        """);

    [Fact]
    public Task Typeof_of_the_singleton_type_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { Type M() => typeof(Legacy.Store); }
        """);

    [Fact]
    public Task Unlisted_method_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => Legacy.Globals.GetStore(); }
        """, List("F:Legacy.Globals.Listed"));

    // ---- method groups, constructors, replacements that cannot stand in (issue 16, item 8) ----

    [Fact]
    public Task Method_group_of_a_listed_method_is_reported() => Verify.VerifyAsync(Legacy + """
        class C { Func<Legacy.Store> M() => {|TC1002:Legacy.Globals.GetStore|}; }
        """, List("M:Legacy.Globals.GetStore"));

    [Fact]
    public Task New_on_a_listed_constructor_is_reported() => Verify.VerifyAsync(Legacy + """
        namespace Clients { public class SmtpClient { } }
        class C { object M() => {|TC1002:new Clients.SmtpClient()|}; }
        """, List("M:Clients.SmtpClient.#ctor"));

    [Fact]
    public Task New_on_an_unlisted_constructor_is_not_reported() => Verify.VerifyAsync(Legacy + """
        class C { object M() => new Legacy.Store(); }
        """, List("M:Legacy.Globals.GetStore"));

    [Fact]
    public async Task Replacement_of_another_type_is_not_offered_to_the_fix()
    {
        var diagnostics = await Verify.GetDiagnosticsAsync(Legacy + "class C { object M() => Legacy.Globals.Storage; }");
        var diagnostic = Assert.Single(diagnostics, d => d.Location.SourceTree!.FilePath == "Test0.cs");
        Assert.False(diagnostic.Properties.ContainsKey(DiagnosticProperties.Replacement));
    }

    [Fact]
    public async Task Replacement_of_a_compatible_type_is_offered_to_the_fix()
    {
        var diagnostics = await Verify.GetDiagnosticsAsync("""
            using Tenancy;
            static class Globals { [TenantSingleton(Use = "Wiki.Storage")] public static ITenantStorage? Storage; }
            class C { object? M() => Globals.Storage; }
            """);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("global::Wiki.Storage", diagnostic.Properties[DiagnosticProperties.Replacement]);
    }
}
