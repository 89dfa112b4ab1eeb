using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class RequiresTenantCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.RequiresTenant);

    private const string Usings = "using System; using System.Linq; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task Accessor_read_in_a_plain_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object M() => {|TC1001:Wiki.Storage|}; }
        """);

    [Fact]
    public Task GetDb_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var db = {|TC1001:TenantContext.GetDb()|}; } }
        """);

    [Fact]
    public Task Current_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { string M() => {|TC1001:TenantContext.Current|}.Slug; }
        """);

    [Fact]
    public Task Generic_Get_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object M() => {|TC1001:TenantContext.Get<IServiceProvider>()|}; }
        """);

    [Fact]
    public Task Capture_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object M() => {|TC1001:TenantContext.Capture()|}; }
        """);

    [Fact]
    public Task Call_to_RequiresTenant_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static void Work() { }
            void M() { {|TC1001:Work()|}; }
        }
        """);

    [Fact]
    public Task Construction_of_RequiresTenant_type_is_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Repo { }
        class C { object M() => {|TC1001:new Repo()|}; }
        """);

    [Fact]
    public Task Use_after_the_using_block_ends_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                using (TenantContext.Enter("acme")) { }
                var s = {|TC1001:Wiki.Storage|};
            }
        }
        """);

    [Fact]
    public Task Use_before_a_using_declaration_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                var s = {|TC1001:Wiki.Storage|};
                using var scope = TenantContext.Enter("acme");
            }
        }
        """);

    [Fact]
    public Task Use_in_a_lambda_of_a_plain_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { Func<object> M() => () => {|TC1001:Wiki.Db|}; }
        """);

    [Fact]
    public Task Use_in_a_local_function_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { object L() => {|TC1001:Wiki.Db|}; L(); } }
        """);

    [Fact]
    public Task Use_in_a_switch_expression_arm_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object M(int k) => k switch { 0 => {|TC1001:Wiki.Db|}, _ => {|TC1001:Wiki.Storage|} }; }
        """);

    [Fact]
    public Task Use_in_a_field_initializer_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object _db = {|TC1001:TenantContext.GetDb()|}; }
        """);

    [Fact]
    public Task Use_under_conditional_access_is_reported() => Verify.VerifyAsync(Usings + """
        class C { string? M() => {|TC1001:TenantContext.GetStorage()|}?.Root; }
        """);

    [Fact]
    public Task Use_in_an_async_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task<object> M() { await Task.Yield(); return {|TC1001:Wiki.Db|}; } }
        """);

    [Fact]
    public Task Call_through_RequiresTenant_interface_member_is_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { [RequiresTenant] void Save(); }
        class C { void M(IRepo repo) => {|TC1001:repo.Save()|}; }
        """);

    [Fact]
    public Task Call_through_RequiresTenant_interface_type_is_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] interface IRepo { void Save(); }
        class C { void M(IRepo repo) => {|TC1001:repo.Save()|}; }
        """);

    [Fact]
    public Task Call_to_override_of_RequiresTenant_base_member_is_reported() => Verify.VerifyAsync(Usings + """
        class Base { [RequiresTenant] public virtual void Save() { } }
        class Derived : Base { public override void Save() { } }
        class C { void M(Derived d) => {|TC1001:d.Save()|}; }
        """);

    [Fact]
    public Task Property_marked_RequiresTenant_is_reported() => Verify.VerifyAsync(Usings + """
        class Repo { [RequiresTenant] public static int Count => 0; }
        class C { int M() => {|TC1001:Repo.Count|}; }
        """);

    [Fact]
    public Task Method_group_of_a_tenant_scoped_member_is_reported() => Verify.VerifyAsync(Usings + """
        class C { Func<ITenantDatabase> M() => {|TC1001:TenantContext.GetDb|}; }
        """);

    [Fact]
    public Task Else_branch_of_IsActive_guard_is_reported() => Verify.VerifyAsync(Usings + """
        class C { object? M() { if (TenantContext.IsActive) { return null; } else { return {|TC1001:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task Try_finally_without_dispose_of_the_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                var s = TenantContext.Enter("acme");
                try { var st = {|TC1001:Wiki.Storage|}; } finally { }
            }
        }
        """);

    [Fact]
    public Task Use_in_a_partial_class_part_is_reported() => Verify.VerifySourcesAsync(
        Usings + "partial class C { object M() => {|TC1001:Wiki.Db|}; }",
        "partial class C { }");

    [Fact]
    public Task Use_in_top_level_statements_is_reported() => Verify.VerifyProgramAsync(Usings + """
        var s = {|TC1001:Wiki.Storage|};
        """);

    // ---- must not report ----

    [Fact]
    public Task Use_inside_using_statement_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { var s = Wiki.Storage; } } }
        """);

    [Fact]
    public Task Use_inside_using_with_declaration_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (var scope = TenantContext.Enter("acme", o => { })) { var s = TenantContext.GetDb(); } } }
        """);

    [Fact]
    public Task Use_after_using_declaration_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { object M() { using var scope = TenantContext.Enter("acme"); return TenantContext.Current; } }
        """);

    [Fact]
    public Task Use_inside_await_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await using (TenantContext.Enter("acme")) { await Task.Yield(); _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Use_after_await_using_declaration_with_ConfigureAwait_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await using var s = TenantContext.Enter("acme").ConfigureAwait(false); _ = Wiki.Db; } }
        """);

    [Fact]
    public Task Use_inside_generated_Enter_scope_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (Wiki.Enter("acme")) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Use_inside_snapshot_Enter_scope_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(TenantSnapshot snapshot) { using (snapshot.Enter()) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Use_inside_try_of_Enter_try_finally_Dispose_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                var s = TenantContext.Enter("acme");
                try { _ = Wiki.Storage; } finally { s.Dispose(); }
            }
        }
        """);

    [Fact]
    public Task Use_inside_lambda_given_to_Run_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { object M() => TenantContext.Run("acme", () => (object)Wiki.Db); }
        """);

    [Fact]
    public Task Use_inside_async_lambda_given_to_RunAsync_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { Task M() => TenantContext.RunAsync("acme", async () => { await Task.Yield(); _ = TenantContext.GetDb(); }); }
        """);

    [Fact]
    public Task Use_inside_RequiresTenant_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] object M() => Wiki.Db; }
        """);

    [Fact]
    public Task Use_inside_lambda_of_RequiresTenant_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] Func<object> M() => () => Wiki.Db; }
        """);

    [Fact]
    public Task Use_inside_RequiresTenant_local_function_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { L(); } [RequiresTenant] object L() => Wiki.Db; } }
        """);

    [Fact]
    public Task Use_inside_RequiresTenant_lambda_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { Func<object> M() => [RequiresTenant] () => Wiki.Db; }
        """);

    [Fact]
    public Task Use_inside_RequiresTenant_type_is_not_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Repo { object M() => Wiki.Db; object F = TenantContext.GetDb(); }
        """);

    [Fact]
    public Task Use_inside_RequiresTenant_property_getter_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] object P { get { return Wiki.Db; } } }
        """);

    [Fact]
    public Task Use_under_IsActive_guard_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { object? M() { if (TenantContext.IsActive) { return Wiki.Db; } return null; } }
        """);

    [Fact]
    public Task Use_under_IsActive_conditional_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { object? M() => TenantContext.IsActive ? Wiki.Db : null; }
        """);

    [Fact]
    public Task Use_after_early_exit_on_not_IsActive_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { object? M() { if (!TenantContext.IsActive) return null; return Wiki.Db; } }
        """);

    [Fact]
    public Task Use_under_TryGetCurrent_guard_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { string? M() { if (TenantContext.TryGetCurrent(out var t)) { return TenantContext.Current.Slug; } return null; } }
        """);

    [Fact]
    public Task Nameof_of_a_tenant_scoped_member_is_not_a_use() => Verify.VerifyAsync(Usings + """
        class C { string M() => nameof(TenantContext.GetDb) + nameof(Wiki.Db); }
        """);

    [Fact]
    public Task Cref_of_a_tenant_scoped_member_is_not_a_use() => Verify.VerifyAsync(Usings + """
        /// <summary>Uses <see cref="TenantContext.GetDb"/>.</summary>
        public class C { }
        """);

    [Fact]
    public Task IsActive_and_TryGetCurrent_are_not_tenant_scoped() => Verify.VerifyAsync(Usings + """
        class C { bool M() => TenantContext.IsActive && TenantContext.TryGetCurrent(out _); }
        """);

    [Fact]
    public Task Call_to_implementation_of_unmarked_interface_member_is_not_reported() => Verify.VerifyAsync(Usings + """
        interface IRepo { void Save(); }
        class Repo : IRepo { public void Save() { } }
        class C { void M(IRepo r) => r.Save(); }
        """);

    [Fact]
    public Task Instance_member_of_RequiresTenant_class_is_not_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Repo { public void Save() { } }
        class C { void M(Repo r) => r.Save(); }
        """);

    [Fact]
    public Task Use_in_top_level_statements_after_using_declaration_is_not_reported() => Verify.VerifyProgramAsync(Usings + """
        using var scope = TenantContext.Enter("acme");
        var s = Wiki.Storage;
        """);

    [Fact]
    public Task Use_in_partial_class_part_marked_RequiresTenant_is_not_reported() => Verify.VerifySourcesAsync(
        Usings + "partial class C { object M() => Wiki.Db; }",
        "[Tenancy.RequiresTenant] partial class C { }");

    [Fact]
    public Task Use_inside_nested_block_after_using_declaration_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(int[] xs) { using var s = TenantContext.Enter("a"); foreach (var x in xs) { if (x > 0) { _ = Wiki.Db; } } } }
        """);

    [Fact]
    public Task Method_group_given_to_Run_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] static void Work() { } void M() => TenantContext.Run("acme", Work); }
        """);

    // ---- what is tenant-scoped (issue 16, item 1) ----

    [Fact]
    public Task Ordinary_static_property_of_an_accessor_class_is_not_tenant_scoped() => Verify.VerifyAsync(Usings + """
        [TenantAccessors] public static partial class Names { public static string Name => "wiki"; }
        class C { string M() => Names.Name; }
        """);

    [Fact]
    public Task Partial_accessor_of_an_accessor_class_is_tenant_scoped() => Verify.VerifyAsync(Usings + """
        class C { object M() => {|TC1001:Wiki.Db|}; }
        """);

    [Fact]
    public Task Getter_marked_RequiresTenant_obliges_readers() => Verify.VerifyAsync(Usings + """
        class Settings { public static string Theme { [RequiresTenant] get => ""; set { } } }
        class C { string M() => {|TC1001:Settings.Theme|}; }
        """);

    [Fact]
    public Task Getter_marked_RequiresTenant_does_not_oblige_writers() => Verify.VerifyAsync(Usings + """
        class Settings { public static string Theme { [RequiresTenant] get => ""; set { } } }
        class C { void M() => Settings.Theme = "dark"; }
        """);

    [Fact]
    public Task Setter_marked_RequiresTenant_obliges_writers_only() => Verify.VerifyAsync(Usings + """
        class Settings { public static string Theme { get => ""; [RequiresTenant] set { } } }
        class C { void M() { {|TC1001:Settings.Theme|} = "dark"; _ = Settings.Theme; } }
        """);

    [Fact]
    public Task Static_field_of_a_RequiresTenant_type_is_reported() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Cache { public static int Hits; public const int Limit = 3; }
        class C { int M() => {|TC1001:Cache.Hits|} + Cache.Limit; }
        """);

    [Fact]
    public Task Static_field_of_a_type_nested_in_a_RequiresTenant_type_is_reported_an_instance_field_is_not() => Verify.VerifyAsync(Usings + """
        [RequiresTenant] class Outer { public class Cache { public static int Hits; public int Misses; } }
        class C { int M(Outer.Cache cache) => {|TC1001:Outer.Cache.Hits|} + cache.Misses; }
        """);

    [Fact]
    public Task Static_field_of_an_unmarked_type_is_not_reported() => Verify.VerifyAsync(Usings + """
        class Cache { public static int Hits; }
        class C { int M() => Cache.Hits; }
        """);

    [Fact]
    public Task Operator_marked_RequiresTenant_is_a_use() => Verify.VerifyAsync(Usings + """
        struct Money { [RequiresTenant] public static Money operator +(Money a, Money b) => a; public static Money operator -(Money a, Money b) => a; }
        class C { Money M(Money a, Money b) => {|TC1001:a + b|} - b; }
        """);

    [Fact]
    public Task Conversion_marked_RequiresTenant_is_a_use() => Verify.VerifyAsync(Usings + """
        struct Price { [RequiresTenant] public static implicit operator decimal(Price p) => 0m; }
        class C { decimal M(Price p) => {|TC1001:p|}; }
        """);

    [Fact]
    public async Task Operator_marked_RequiresTenant_in_a_referenced_library_is_a_use()
    {
        // The source declares no operator (so the compilation-start check cannot find one in the declaration table);
        // the marked operator and conversion come from a referenced assembly that sees the runtime.
        var library = await Verifiers.TestReferences.CompileLibraryAsync("Money", """
            namespace Lib;
            public struct Money
            {
                [Tenancy.RequiresTenant] public static Money operator +(Money a, Money b) => a;
                [Tenancy.RequiresTenant] public static implicit operator decimal(Money m) => 0m;
            }
            """);
        var test = Verify.CreateTest(Usings + """
            class C { decimal M(Lib.Money a, Lib.Money b) => {|TC1001:{|TC1001:a + b|}|}; }
            """, []);
        test.TestState.AdditionalReferences.Add(library);
        await test.RunAsync();
    }

    // ---- advice that can be followed (item 9) ----

    private const string Endpoints = """
        static class Endpoints
        {
            public static void MapGet(string pattern, Delegate handler) { }
        }

        """;

    [Fact]
    public async Task Use_in_a_handler_lambda_names_the_lambda_and_offers_to_mark_it()
    {
        var source = Usings + Endpoints + """
            class Program { static void Configure() => Endpoints.MapGet("/", () => Wiki.Db); }
            """;
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(source));
        Assert.Contains("mark the lambda passed to 'MapGet' with [RequiresTenant]", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixMarkLambda, diagnostic.Properties[DiagnosticProperties.Fix]);
        var span = diagnostic.Properties[DiagnosticProperties.TargetSpan]!.Split(',').Select(int.Parse).ToArray();
        Assert.Equal("() => Wiki.Db", source.Substring(span[0], span[1]));
    }

    [Fact]
    public async Task Use_in_a_handler_lambda_in_top_level_statements_names_the_lambda()
    {
        var source = Usings + """
            Endpoints.MapGet("/", () => Wiki.Db);
            static class Endpoints { public static void MapGet(string pattern, Delegate handler) { } }
            """;
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(source, program: true));
        Assert.DoesNotContain("top-level", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixMarkLambda, diagnostic.Properties[DiagnosticProperties.Fix]);
    }

    [Fact]
    public Task Use_in_a_RequiresTenant_handler_lambda_is_not_reported() => Verify.VerifyAsync(Usings + Endpoints + """
        class Program { static void Configure() => Endpoints.MapGet("/", [RequiresTenant] () => Wiki.Db); }
        """);

    [Fact]
    public async Task Use_in_a_local_function_offers_to_mark_the_local_function()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + "class C { void M() { object Load() => Wiki.Db; Load(); } }"));
        Assert.Contains("mark local function 'Load' with [RequiresTenant]", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixMarkLocalFunction, diagnostic.Properties[DiagnosticProperties.Fix]);
    }

    [Fact]
    public async Task Use_in_an_ordinary_method_offers_to_mark_the_method()
    {
        var source = Usings + "class C { object M() => Wiki.Db; }";
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(source));
        Assert.Contains("mark 'C.M' with [RequiresTenant]", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixMarkMember, diagnostic.Properties[DiagnosticProperties.Fix]);
        var span = diagnostic.Properties[DiagnosticProperties.TargetSpan]!.Split(',').Select(int.Parse).ToArray();
        Assert.Equal("object M() => Wiki.Db;", source.Substring(span[0], span[1]));
    }

    [Fact]
    public async Task Use_in_an_override_of_a_framework_member_says_to_enter_a_scope()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + """
            class Worker : System.IO.TextWriter
            {
                public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
                public override void Write(char value) { _ = Wiki.Db; }
            }
            """));
        Assert.Contains("TenantContext.RunAsync", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("mark", diagnostic.GetMessage().Replace("cannot be marked", ""), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixEnterScope, diagnostic.Properties[DiagnosticProperties.Fix]);
        Assert.Equal("M:System.IO.TextWriter.Write(System.Char)", diagnostic.Properties[DiagnosticProperties.BaseMember]);
        Assert.Contains("'Worker.Write' overrides or implements 'TextWriter.Write'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.False(diagnostic.Properties.ContainsKey(DiagnosticProperties.TargetSpan));
    }

    [Fact]
    public async Task Use_in_an_implementation_of_a_framework_interface_says_to_enter_a_scope()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + "class Job : IDisposable { public void Dispose() { _ = Wiki.Db; } }"));
        Assert.Equal(DiagnosticProperties.FixEnterScope, diagnostic.Properties[DiagnosticProperties.Fix]);
        Assert.Equal("M:System.IDisposable.Dispose", diagnostic.Properties[DiagnosticProperties.BaseMember]);
    }

    [Fact]
    public async Task Use_in_an_override_of_a_RequiresTenant_member_is_not_reported()
    {
        Assert.Empty(await Verify.GetDiagnosticsAsync(Usings + """
            class Base { [RequiresTenant] public virtual object Load() => Wiki.Db; }
            class Derived : Base { public override object Load() => Wiki.Db; }
            """));
    }

    [Fact]
    public async Task Use_in_top_level_statements_says_to_enter_a_scope()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + "var s = Wiki.Storage;", program: true));
        Assert.Contains("the top-level statements cannot require a tenant", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("mark the top-level", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.FixEnterScope, diagnostic.Properties[DiagnosticProperties.Fix]);
    }

    [Fact]
    public async Task Use_in_a_static_constructor_says_to_enter_a_scope()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + "class C { static object? s; static C() { s = Wiki.Storage; } }"));
        Assert.Equal(DiagnosticProperties.FixEnterScope, diagnostic.Properties[DiagnosticProperties.Fix]);
    }

    [Fact]
    public async Task Use_in_a_field_initializer_offers_nothing_to_mark()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + "class C { object _db = TenantContext.GetDb(); }"));
        Assert.Equal(DiagnosticProperties.FixNone, diagnostic.Properties[DiagnosticProperties.Fix]);
        Assert.Contains("an initializer cannot be marked", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Use_in_a_property_getter_offers_to_mark_the_property()
    {
        var source = Usings + "class C { object P { get { return Wiki.Db; } } }";
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(source));
        Assert.Equal(DiagnosticProperties.FixMarkMember, diagnostic.Properties[DiagnosticProperties.Fix]);
        var span = diagnostic.Properties[DiagnosticProperties.TargetSpan]!.Split(',').Select(int.Parse).ToArray();
        Assert.StartsWith("object P", source.Substring(span[0], span[1]), StringComparison.Ordinal);
    }

    // ---- tenant-owned queries (item 12) ----

    private const string Entities = """
        public class Page : ITenantOwned { public string TenantId => ""; }
        public class Country { }
        public class AppDb : Microsoft.EntityFrameworkCore.DbContext
        {
            public Microsoft.EntityFrameworkCore.DbSet<Page> Pages { get; } = null!;
            public Microsoft.EntityFrameworkCore.DbSet<Country> Countries { get; } = null!;
        }

        """;

    [Fact]
    public Task Reading_a_DbSet_of_a_tenant_owned_entity_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + Entities + """
        class Worker { int M(AppDb db) => {|TC1001:db.Pages|}.Count(); }
        """);

    [Fact]
    public Task Set_of_a_tenant_owned_entity_outside_a_scope_is_reported() => Verify.VerifyAsync(Usings + Entities + """
        class Worker { int M(AppDb db) => {|TC1001:db.Set<Page>()|}.Count(); }
        """);

    [Fact]
    public Task Reading_a_DbSet_of_a_shared_entity_is_not_reported() => Verify.VerifyAsync(Usings + Entities + """
        class Worker { int M(AppDb db) => db.Countries.Count() + db.Set<Country>().Count(); }
        """);

    [Fact]
    public Task Reading_a_DbSet_of_a_tenant_owned_entity_inside_a_scope_is_not_reported() => Verify.VerifyAsync(Usings + Entities + """
        class Worker { async Task<int> M(AppDb db) { await using var scope = TenantContext.Enter("acme"); return db.Pages.Count(); } }
        """);

    // ---- what is inside a scope (item 2) ----

    [Fact]
    public Task Await_using_over_a_local_holding_an_Enter_result_is_a_scope() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { var scope = TenantContext.Enter("acme"); await using (scope) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Await_using_over_a_local_holding_something_else_is_not_a_scope() => Verify.VerifyAsync(Usings + """
        class C { async Task M(IAsyncDisposable other) { var scope = other; await using (scope) { _ = {|TC1001:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task Await_using_of_a_local_with_ConfigureAwait_is_a_scope() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { var scope = TenantContext.Enter("acme"); await using (scope.ConfigureAwait(false)) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Using_over_a_conditional_whose_arms_enter_is_a_scope() => Verify.VerifyAsync(Usings + """
        class C { void M(bool test) { using (test ? TenantContext.Enter("a") : Wiki.Enter("b")) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Using_over_a_conditional_with_a_non_scope_arm_is_not_a_scope() => Verify.VerifyAsync(Usings + """
        class C { void M(bool test, IDisposable other) { using (test ? TenantContext.Enter("a") : other) { _ = {|TC1001:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task Using_over_a_switch_expression_whose_arms_enter_is_a_scope() => Verify.VerifyAsync(Usings + """
        class C { void M(int k) { using var scope = k switch { 0 => TenantContext.Enter("a"), _ => TenantContext.Enter("b") }; _ = Wiki.Db; } }
        """);

    [Fact]
    public Task Using_over_a_conditional_snapshot_Enter_is_a_scope() => Verify.VerifyAsync(Usings + """
        class C { void M(TenantSnapshot? snapshot) { using (snapshot?.Enter()) { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Lambda_converted_to_an_expression_tree_is_not_a_use() => Verify.VerifyAsync(Usings + """
        using System.Linq.Expressions;
        class C { Expression<Func<string>> M() => () => TenantContext.Current.Slug; }
        """);

    [Fact]
    public Task Lambda_converted_to_a_delegate_is_a_use() => Verify.VerifyAsync(Usings + """
        class C { Func<string> M() => () => {|TC1001:TenantContext.Current|}.Slug; }
        """);

    [Fact]
    public Task Tenant_argument_of_Run_is_outside_the_scope() => Verify.VerifyAsync(Usings + """
        class C { void M() => TenantContext.Run({|TC1001:TenantContext.Current|}.Slug, () => { _ = Wiki.Db; }); }
        """);

    [Fact]
    public Task Work_delegate_of_RunAsync_is_inside_the_scope() => Verify.VerifyAsync(Usings + """
        class C { Task M(string t) => TenantContext.RunAsync(t, async () => { await Task.Yield(); _ = Wiki.Db; }); }
        """);

    [Fact]
    public Task Else_of_a_negated_guard_is_inside() => Verify.VerifyAsync(Usings + """
        class C { void M() { if (!TenantContext.IsActive) { } else { _ = Wiki.Db; } } }
        """);

    [Fact]
    public Task Then_of_a_negated_guard_is_outside() => Verify.VerifyAsync(Usings + """
        class C { void M() { if (!TenantContext.IsActive) { _ = {|TC1001:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task True_arm_of_a_negated_conditional_is_outside_and_false_arm_inside() => Verify.VerifyAsync(Usings + """
        class C { object? M() => !TenantContext.IsActive ? {|TC1001:Wiki.Db|} : Wiki.Storage; }
        """);

    [Fact]
    public Task Right_of_or_after_a_negated_guard_is_inside() => Verify.VerifyAsync(Usings + """
        class C { bool M() => !TenantContext.IsActive || Wiki.Db is not null; }
        """);

    [Fact]
    public Task Iterator_use_after_a_yield_inside_its_scope_is_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            IEnumerable<object> M()
            {
                using (TenantContext.Enter("acme"))
                {
                    yield return Wiki.Db;
                    yield return {|TC1001:Wiki.Storage|};
                }
            }
        }
        """);

    [Fact]
    public Task Async_iterator_use_after_a_yield_inside_its_scope_is_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            async IAsyncEnumerable<object> M()
            {
                await using var scope = TenantContext.Enter("acme");
                yield return Wiki.Db;
                await Task.Yield();
                yield return {|TC1001:Wiki.Storage|};
            }
        }
        """);

    [Fact]
    public Task Iterator_use_before_any_yield_inside_its_scope_is_not_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            IEnumerable<string> M()
            {
                string root;
                using (TenantContext.Enter("acme")) { root = Wiki.Storage.Root; }
                yield return root;
            }
        }
        """);

    [Fact]
    public Task Iterator_use_after_a_yield_in_a_nested_local_iterator_is_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            IEnumerable<object> M()
            {
                using (TenantContext.Enter("acme"))
                {
                    yield return Wiki.Db;
                    IEnumerable<object> Local() { yield return {|TC1001:Wiki.Storage|}; }
                    foreach (var item in Local()) { yield return item; }
                }
            }
        }
        """);

    [Fact]
    public Task Iterator_use_after_a_yield_in_a_nested_lambda_or_ordinary_local_function_is_not_reported() => Verify.VerifyAsync(Usings + """
        using System;
        using System.Collections.Generic;
        class C
        {
            IEnumerable<object> M()
            {
                using (TenantContext.Enter("acme"))
                {
                    yield return Wiki.Db;
                    Func<object> lambda = () => Wiki.Storage;
                    object Local() => Wiki.Storage;
                    yield return lambda() ?? Local();
                }
            }
        }
        """);

    [Fact]
    public Task Getter_iterator_use_after_a_yield_inside_its_scope_is_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            IEnumerable<object> Items
            {
                get
                {
                    using (TenantContext.Enter("acme"))
                    {
                        yield return Wiki.Db;
                        yield return {|TC1001:Wiki.Storage|};
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Enumerator_iterator_use_after_a_yield_inside_its_scope_is_reported() => Verify.VerifyAsync(Usings + """
        using System.Collections;
        using System.Collections.Generic;
        class C : IEnumerable<object>
        {
            public IEnumerator<object> GetEnumerator()
            {
                var scope = TenantContext.Enter("acme");
                try
                {
                    yield return Wiki.Db;
                    yield return {|TC1001:Wiki.Storage|};
                }
                finally
                {
                    scope.Dispose();
                }
            }

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        }
        """);

    [Fact]
    public Task Yield_of_a_nested_local_iterator_does_not_end_the_scope_of_the_enclosing_method() => Verify.VerifyAsync(Usings + """
        using System.Collections.Generic;
        class C
        {
            object M()
            {
                using (TenantContext.Enter("acme"))
                {
                    IEnumerable<int> Numbers() { yield return 1; }
                    _ = Numbers();
                    return Wiki.Db;
                }
            }
        }
        """);

    // ---- manual scopes (item 10) ----

    [Fact]
    public Task Code_between_a_manual_Enter_and_its_Dispose_is_inside() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); _ = Wiki.Db; s.Dispose(); } }
        """);

    [Fact]
    public Task Code_between_an_accessor_class_Enter_and_its_Dispose_is_inside_a_disposed_non_scope_is_not_a_scope() => Verify.VerifyAsync(Usings + """
        class C
        {
            static IDisposable Open() => null!;
            void M() { var s = Wiki.Enter("acme"); _ = Wiki.Db; s.Dispose(); }
            void N() { var d = Open(); _ = {|TC1001:Wiki.Db|}; d.Dispose(); }
        }
        """);

    [Fact]
    public Task Code_after_a_manual_Dispose_is_outside() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); s.Dispose(); _ = {|TC1001:Wiki.Db|}; } }
        """);

    [Fact]
    public Task Code_after_a_manual_Enter_never_disposed_is_outside() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); _ = {|TC1001:Wiki.Db|}; } }
        """);

    [Fact]
    public Task RequiresTenant_on_a_static_constructor_does_not_silence_its_body() => Verify.VerifyAsync(Usings + """
        class C { static object? s; [RequiresTenant] static C() { s = {|TC1001:Wiki.Db|}; } }
        """);

    // ---- shapes from the outside corpus, second pass (issue 16) ----

    [Fact]
    public Task A_using_over_any_TenantScope_is_a_scope_a_helper_a_parameter_a_field() => Verify.VerifyAsync(Usings + """
        class C
        {
            private readonly TenantScope _scope = null!;
            static TenantScope Open(string t) => TenantContext.Enter(t);
            static IDisposable OpenOther() => null!;
            void A(string t) { using (Open(t)) { _ = Wiki.Db; } }
            void B(string t) { using var s = Open(t); _ = Wiki.Db; }
            void D(TenantScope s) { using (s) { _ = Wiki.Db; } }
            async Task E(string t) { await using (Open(t).ConfigureAwait(false)) { _ = Wiki.Db; } }
            void F() { using (_scope) { _ = Wiki.Db; } }
            void G() { using (OpenOther()) { _ = {|TC1001:Wiki.Db|}; } }
        }
        """);

    [Fact]
    public Task Continue_break_and_yield_break_on_not_IsActive_guard_the_rest_of_the_block() => Verify.VerifyAsync(Usings + """
        class C
        {
            void A(string[] xs) { foreach (var x in xs) { if (!TenantContext.IsActive) continue; _ = Wiki.Db; } }
            void B(string[] xs) { while (true) { if (!TenantContext.IsActive) { break; } _ = Wiki.Db; } }
            System.Collections.Generic.IEnumerable<object> D() { if (!TenantContext.IsActive) yield break; yield return Wiki.Db; }
            void E(string[] xs) { foreach (var x in xs) { if (TenantContext.IsActive) continue; _ = {|TC1001:Wiki.Db|}; } }
        }
        """);

    [Fact]
    public Task IsActive_compared_with_true_or_false_is_a_guard() => Verify.VerifyAsync(Usings + """
        class C
        {
            void A() { if (TenantContext.IsActive is false) return; _ = Wiki.Db; }
            void B() { if (TenantContext.IsActive is true) { _ = Wiki.Db; } }
            void D() { if (TenantContext.IsActive == false) return; _ = Wiki.Db; }
            void E() { if (TenantContext.IsActive != true) throw new InvalidOperationException(); _ = Wiki.Db; }
            void F() { if (TenantContext.IsActive is not true) return; _ = Wiki.Db; }
            object? G() => TenantContext.IsActive == true ? Wiki.Db : null;
            void H() { if (TenantContext.IsActive is false) { _ = {|TC1001:Wiki.Db|}; } }
            void I() { if (TenantContext.IsActive == true) return; _ = {|TC1001:Wiki.Db|}; }
        }
        """);

    [Fact]
    public Task A_manual_Dispose_under_a_null_check_or_through_a_cast_ends_the_scope_there() => Verify.VerifyAsync(Usings + """
        class C
        {
            void A() { var s = TenantContext.Enter("acme"); _ = Wiki.Db; if (s is not null) s.Dispose(); }
            void B() { var s = TenantContext.Enter("acme"); _ = Wiki.Db; if (s != null) { s.Dispose(); } }
            void D() { var s = TenantContext.Enter("acme"); _ = Wiki.Db; ((IDisposable)s).Dispose(); }
            void E() { var s = TenantContext.Enter("acme"); if (s is not null) s.Dispose(); _ = {|TC1001:Wiki.Db|}; }
        }
        """);

    [Fact]
    public Task A_scope_assigned_inside_a_try_whose_finally_disposes_it_is_a_scope_after_the_assignment() => Verify.VerifyAsync(Usings + """
        class C
        {
            void A(string t) { TenantScope? s = null; try { s = TenantContext.Enter(t); _ = Wiki.Db; } finally { s?.Dispose(); } }
            async Task B(string t) { TenantScope? s = null; try { s = TenantContext.Enter(t); await Task.Yield(); _ = Wiki.Db; } finally { if (s is not null) await s.DisposeAsync(); } }
            void D(string t) { TenantScope? s = null; try { _ = {|TC1001:Wiki.Db|}; s = TenantContext.Enter(t); } finally { s?.Dispose(); } }
            void E(string t) { TenantScope? s = null; try { s = TenantContext.Enter(t); } finally { } _ = {|TC1001:Wiki.Db|}; }
        }
        """);

    [Fact]
    public Task A_query_expression_over_IQueryable_is_quoted_like_its_lambdas() => Verify.VerifyAsync(Usings + """
        public class Page : ITenantOwned { public string TenantId { get; set; } = ""; public string Slug { get; set; } = ""; }
        class C
        {
            IQueryable<string> A(IQueryable<Page> pages) => from p in pages where p.TenantId == TenantContext.Current.Slug orderby p.Slug select p.Slug;
            IQueryable<Page> B(IQueryable<Page> pages) => from p in pages let t = TenantContext.Current.Slug where p.TenantId == t select p;
            System.Collections.Generic.IEnumerable<string> D(System.Collections.Generic.IEnumerable<Page> pages) => from p in pages where p.TenantId == {|TC1001:TenantContext.Current|}.Slug select p.Slug;
            static IQueryable<Page> Of(string tenant) => null!;
            IQueryable<Page> E() => from p in Of({|TC1001:TenantContext.Current|}.Slug) select p;
        }
        """);

    [Fact]
    public Task RequiresTenant_on_an_event_accessor_obliges_the_subscriptions_that_run_it() => Verify.VerifyAsync(Usings + """
        class Bus
        {
            private Action? _h;
            public event Action Changed { [RequiresTenant] add { _h += value; } remove { _h -= value; } }
            public event Action Closed { add { _h += value; } [RequiresTenant] remove { _h -= value; } }
        }
        class C
        {
            void A(Bus b) { {|TC1001:b.Changed|} += () => { }; }
            void B(Bus b, Action a) { b.Changed -= a; b.Closed += a; {|TC1001:b.Closed|} -= a; }
            [RequiresTenant] void D(Bus b) { b.Changed += () => { }; }
        }
        """);
}
