using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class ScopeDisposalCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.ScopeNotDisposed);

    private const string Usings = "using System; using System.Collections.Generic; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task Discarded_Enter_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { {|TC1003:TenantContext.Enter("acme")|}; } }
        """);

    [Fact]
    public Task Local_that_is_never_disposed_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = {|TC1003:TenantContext.Enter("acme")|}; Console.WriteLine(s.Tenant.Slug); } }
        """);

    [Fact]
    public Task Discarded_Enter_with_overrides_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { {|TC1003:TenantContext.Enter("acme", o => { })|}; } }
        """);

    [Fact]
    public Task Discarded_generated_Enter_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { {|TC1003:Wiki.Enter("acme")|}; } }
        """);

    [Fact]
    public Task Discarded_snapshot_Enter_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(TenantSnapshot s) { {|TC1003:s.Enter()|}; } }
        """);

    [Fact]
    public Task Member_access_on_a_fresh_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { string M() => {|TC1003:TenantContext.Enter("acme")|}.Tenant.Slug; }
        """);

    [Fact]
    public Task Enter_in_an_async_method_left_for_the_caller_is_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await Task.Yield(); {|TC1003:TenantContext.Enter("acme")|}; } }
        """);

    [Fact]
    public Task Enter_returned_from_an_async_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task<TenantScope> M() { await Task.Yield(); return {|TC1003:TenantContext.Enter("acme")|}; } }
        """);

    [Fact]
    public Task Enter_stored_in_a_field_by_an_async_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { TenantScope? _s; async Task M() { await Task.Yield(); _s = {|TC1003:TenantContext.Enter("acme")|}; } }
        """);

    [Fact]
    public Task Enter_in_an_async_lambda_left_for_the_caller_is_reported() => Verify.VerifyAsync(Usings + """
        class C { Func<Task> M() => async () => { await Task.Yield(); {|TC1003:TenantContext.Enter("acme")|}; }; }
        """);

    [Fact]
    public Task Enter_in_an_async_local_function_left_for_the_caller_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { async Task L() { await Task.Yield(); var s = {|TC1003:TenantContext.Enter("a")|}; } _ = L(); } }
        """);

    [Fact]
    public Task Discarded_Enter_in_a_lambda_is_reported() => Verify.VerifyAsync(Usings + """
        class C { Action M() => () => {|TC1003:TenantContext.Enter("acme")|}; }
        """);

    [Fact]
    public Task Discarded_Enter_in_top_level_statements_is_reported() => Verify.VerifyProgramAsync(Usings + """
        {|TC1003:TenantContext.Enter("acme")|};
        """);

    [Fact]
    public Task Enter_in_a_switch_expression_arm_is_reported() => Verify.VerifyAsync(Usings + """
        class C { string M(int k) => (k switch { _ => {|TC1003:TenantContext.Enter("a")|} }).Tenant.Slug; }
        """);

    // ---- must not report ----

    [Fact]
    public Task Using_statement_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { } } }
        """);

    [Fact]
    public Task Using_statement_with_declaration_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (var s = TenantContext.Enter("acme")) { } } }
        """);

    [Fact]
    public Task Using_declaration_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using var s = TenantContext.Enter("acme"); } }
        """);

    [Fact]
    public Task Await_using_in_an_async_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await using (TenantContext.Enter("acme")) { await Task.Yield(); } } }
        """);

    [Fact]
    public Task Await_using_declaration_with_ConfigureAwait_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await using var s = TenantContext.Enter("acme").ConfigureAwait(false); await Task.Yield(); } }
        """);

    [Fact]
    public Task Try_finally_Dispose_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); try { } finally { s.Dispose(); } } }
        """);

    [Fact]
    public Task Conditional_Dispose_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { TenantScope? s = null; s = TenantContext.Enter("acme"); try { } finally { s?.Dispose(); } } }
        """);

    [Fact]
    public Task Returning_the_scope_transfers_ownership() => Verify.VerifyAsync(Usings + """
        class C { TenantScope M() => TenantContext.Enter("acme"); }
        """);

    [Fact]
    public Task Returning_the_local_transfers_ownership() => Verify.VerifyAsync(Usings + """
        class C { TenantScope M() { var s = TenantContext.Enter("acme"); return s; } }
        """);

    [Fact]
    public Task Storing_in_a_field_transfers_ownership() => Verify.VerifyAsync(Usings + """
        class C { TenantScope? _s; void M() { _s = TenantContext.Enter("acme"); } }
        """);

    [Fact]
    public Task Passing_as_argument_transfers_ownership() => Verify.VerifyAsync(Usings + """
        class C { void M(List<IDisposable> owned) { owned.Add(TenantContext.Enter("acme")); } }
        """);

    [Fact]
    public Task Local_later_put_in_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); using (s) { } } }
        """);

    [Fact]
    public Task DisposeAsync_in_an_async_method_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { var s = TenantContext.Enter("acme"); try { await Task.Yield(); } finally { await s.DisposeAsync(); } } }
        """);

    [Fact]
    public Task Using_declaration_in_top_level_statements_is_not_reported() => Verify.VerifyProgramAsync(Usings + """
        using var s = TenantContext.Enter("acme");
        """);

    [Fact]
    public Task Other_Enter_methods_are_ignored() => Verify.VerifyAsync(Usings + """
        class Door { public IDisposable Enter() => null!; }
        class C { void M(Door d) { d.Enter(); } }
        """);

    // ---- disposal on every path (issue 16, items 3 and 10) ----

    [Fact]
    public Task Manual_Dispose_without_finally_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = {|TC1003:TenantContext.Enter("acme")|}; Console.WriteLine(); s.Dispose(); } }
        """);

    [Fact]
    public Task A_scope_disposed_where_it_is_entered_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M(TenantSnapshot s) { TenantContext.Enter("acme").Dispose(); s.Enter().Dispose(); }
            Action L() => () => TenantContext.Enter("acme").Dispose();
            async Task A() { await Task.Yield(); TenantContext.Enter("acme").Dispose(); }
        }
        """);

    [Fact]
    public async Task Manual_Dispose_without_finally_says_it_is_skipped_on_some_paths()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + """
            class C { void M() { var s = TenantContext.Enter("acme"); Console.WriteLine(); s.Dispose(); } }
            """));
        Assert.Contains("an exception or early return skips", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(DiagnosticProperties.ScopeNotDisposedOnEveryPath, diagnostic.Properties[DiagnosticProperties.ScopeProblem]);
    }

    [Fact]
    public Task Scope_lost_on_an_early_return_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(bool stop) { var s = {|TC1003:TenantContext.Enter("acme")|}; if (stop) return; s.Dispose(); } }
        """);

    [Fact]
    public async Task Never_disposed_scope_says_so_in_its_properties()
    {
        var diagnostic = Assert.Single(await Verify.GetDiagnosticsAsync(Usings + """class C { void M() { TenantContext.Enter("acme"); } }"""));
        Assert.Equal(DiagnosticProperties.ScopeNeverDisposed, diagnostic.Properties[DiagnosticProperties.ScopeProblem]);
    }

    [Fact]
    public Task Scope_passed_to_an_object_parameter_is_reported() => Verify.VerifyAsync(Usings + """
        static class Assert { public static void NotNull(object? value) { } }
        class C { void M() { Assert.NotNull({|TC1003:TenantContext.Enter("acme")|}); } }
        """);

    [Fact]
    public Task Local_scope_passed_to_an_object_parameter_is_reported() => Verify.VerifyAsync(Usings + """
        static class Assert { public static void NotNull(object? value) { } }
        class C { void M() { var s = {|TC1003:TenantContext.Enter("acme")|}; Assert.NotNull(s); } }
        """);

    [Fact]
    public Task Scope_stored_in_an_alias_that_is_never_disposed_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = {|TC1003:TenantContext.Enter("acme")|}; var alias = s; } }
        """);

    [Fact]
    public Task Scope_disposed_through_an_alias_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var s = TenantContext.Enter("acme"); using var alias = s; } }
        """);

    [Fact]
    public Task Scope_through_a_conditional_into_a_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(bool b) { using (b ? TenantContext.Enter("a") : null) { } } }
        """);

    [Fact]
    public Task Scope_through_a_switch_expression_into_a_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(int k) { using var s = k switch { 0 => TenantContext.Enter("a"), _ => TenantContext.Enter("b") }; } }
        """);

    [Fact]
    public Task Scope_through_conditional_access_into_a_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(TenantSnapshot? snapshot) { using (snapshot?.Enter()) { } } }
        """);

    [Fact]
    public Task Scope_through_ConfigureAwait_into_an_await_using_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { await using (TenantContext.Enter("a").ConfigureAwait(false)) { await Task.Yield(); } } }
        """);

    [Fact]
    public Task Async_method_handing_its_scope_to_a_wrapper_it_disposes_is_not_reported() => Verify.VerifyAsync(Usings + """
        sealed class Lease(TenantScope scope) : IAsyncDisposable { public ValueTask DisposeAsync() => scope.DisposeAsync(); }
        class C { async Task M() { await using var lease = new Lease(TenantContext.Enter("a")); await Task.Yield(); } }
        """);

    [Fact]
    public Task Async_method_handing_its_scope_to_a_wrapper_it_keeps_is_reported() => Verify.VerifyAsync(Usings + """
        sealed class Lease(TenantScope scope) : IAsyncDisposable { public ValueTask DisposeAsync() => scope.DisposeAsync(); }
        class C { Lease? _lease; async Task M() { _lease = new Lease({|TC1003:TenantContext.Enter("a")|}); await Task.Yield(); } }
        """);
}
