using Verify = Tenancy.Analyzers.Tests.Verifiers.AnalyzerVerifier<Tenancy.Analyzers.ScopeDisposalAnalyzer>;

namespace Tenancy.Analyzers.Tests.Rules;

public class ScopeDisposalAnalyzerTests
{
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
        class C { void M() { TenantScope? s = null; s = TenantContext.Enter("acme"); s?.Dispose(); } }
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
}
