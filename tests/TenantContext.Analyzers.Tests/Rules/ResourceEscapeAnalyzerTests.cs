using Verify = Tenancy.Analyzers.Tests.Verifiers.AnalyzerVerifier<Tenancy.Analyzers.ResourceEscapeAnalyzer>;

namespace Tenancy.Analyzers.Tests.Rules;

public class ResourceEscapeAnalyzerTests
{
    private const string Usings = "using System; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task GetDb_stored_in_static_field_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static ITenantDatabase? s_db; [RequiresTenant] void M() { s_db = {|TC1005:TenantContext.GetDb()|}; } }
        """);

    [Fact]
    public Task Accessor_stored_in_static_property_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static object? Store { get; set; } [RequiresTenant] void M() { Store = {|TC1005:Wiki.Storage|}; } }
        """);

    [Fact]
    public Task Static_field_initializer_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly ITenantStorage s_storage = {|TC1005:TenantContext.GetStorage()|}; }
        """);

    [Fact]
    public Task Static_property_initializer_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static ITenantRenderer Renderer { get; } = {|TC1005:TenantContext.GetRenderer()|}; }
        """);

    [Fact]
    public Task Generic_Get_stored_statically_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static IServiceProvider? s_sp; [RequiresTenant] void M() => s_sp = {|TC1005:TenantContext.Get<IServiceProvider>()|}; }
        """);

    [Fact]
    public Task Coalesce_assignment_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static ITenantDatabase? s_db; [RequiresTenant] ITenantDatabase M() => s_db ??= {|TC1005:TenantContext.GetDb()|}; }
        """);

    [Fact]
    public Task Local_holding_a_resource_stored_statically_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static object? s_db; [RequiresTenant] void M() { var db = Wiki.Db; s_db = {|TC1005:db|}; } }
        """);

    [Fact]
    public Task Lambda_capturing_a_resource_stored_statically_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<string>? s_f; [RequiresTenant] void M() { var st = Wiki.Storage; s_f = () => {|TC1005:st|}.Root; } }
        """);

    [Fact]
    public Task Assignment_inside_a_scope_is_still_reported() => Verify.VerifyAsync(Usings + """
        class C { static object? s_db; void M() { using (TenantContext.Enter("a")) { s_db = {|TC1005:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task Assignment_in_an_async_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static object? s_db; [RequiresTenant] async Task M() { await Task.Yield(); s_db = {|TC1005:TenantContext.GetDb()|}; } }
        """);

    [Fact]
    public Task Assignment_to_static_of_another_type_is_reported() => Verify.VerifyAsync(Usings + """
        static class Cache { public static object? Db; }
        class C { [RequiresTenant] void M() => Cache.Db = {|TC1005:Wiki.Db|}; }
        """);

    [Fact]
    public Task Assignment_in_top_level_statements_is_reported() => Verify.VerifyProgramAsync(Usings + """
        using var s = TenantContext.Enter("a");
        Holder.Db = {|TC1005:Wiki.Db|};
        static class Holder { public static object? Db; }
        """);

    // ---- must not report ----

    [Fact]
    public Task Instance_field_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { ITenantDatabase? _db; [RequiresTenant] void M() { _db = TenantContext.GetDb(); } }
        """);

    [Fact]
    public Task Local_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] void M() { var db = TenantContext.GetDb(); } }
        """);

    [Fact]
    public Task Static_lambda_reading_the_accessor_at_call_time_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<object>? s_f; void M() { s_f = () => Wiki.Db; } }
        """);

    [Fact]
    public Task Static_field_of_unrelated_value_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static string s_name = "x"; static object s_o = new object(); }
        """);

    [Fact]
    public Task Current_tenant_info_is_not_a_resource() => Verify.VerifyAsync(Usings + """
        class C { static string? s_slug; [RequiresTenant] void M() { s_slug = TenantContext.Current.Slug; } }
        """);

    [Fact]
    public Task Result_of_a_resource_call_is_not_the_resource() => Verify.VerifyAsync(Usings + """
        class C { static string? s_root; [RequiresTenant] void M() { s_root = TenantContext.GetStorage().Root; } }
        """);

    [Fact]
    public Task Lambda_capturing_an_unrelated_local_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<int>? s_f; void M() { var n = 3; s_f = () => n; } }
        """);

    [Fact]
    public Task Lambda_with_its_own_local_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<object>? s_f; void M() { s_f = () => { var db = Wiki.Db; return db; }; } }
        """);

    [Fact]
    public Task Passing_a_resource_to_a_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static void Use(object o) { } [RequiresTenant] void M() => Use(Wiki.Db); }
        """);

    [Fact]
    public Task Static_field_assigned_a_scope_capture_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static TenantSnapshot? s_snap; [RequiresTenant] void M() => s_snap = TenantContext.Capture(); }
        """);
}
