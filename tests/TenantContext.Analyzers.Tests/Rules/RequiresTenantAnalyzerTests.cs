using Verify = Tenancy.Analyzers.Tests.Verifiers.AnalyzerVerifier<Tenancy.Analyzers.RequiresTenantAnalyzer>;

namespace Tenancy.Analyzers.Tests.Rules;

public class RequiresTenantAnalyzerTests
{
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
                s.Dispose();
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
}
