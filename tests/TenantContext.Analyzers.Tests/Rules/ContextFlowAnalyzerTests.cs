using Verify = Tenancy.Analyzers.Tests.Verifiers.AnalyzerVerifier<Tenancy.Analyzers.ContextFlowAnalyzer>;

namespace Tenancy.Analyzers.Tests.Rules;

public class ContextFlowAnalyzerTests
{
    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task Accessor_in_UnsafeQueueUserWorkItem_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { ThreadPool.UnsafeQueueUserWorkItem(_ => { _ = {|TC1004:Wiki.Db|}; }, null); } } }
        """);

    [Fact]
    public Task GetDb_in_generic_UnsafeQueueUserWorkItem_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() => ThreadPool.UnsafeQueueUserWorkItem(s => { _ = {|TC1004:TenantContext.GetDb()|}; }, 1, false); }
        """);

    [Fact]
    public Task RequiresTenant_method_group_given_to_UnsafeQueueUserWorkItem_is_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] static void Work(object? s) { } void M() => ThreadPool.UnsafeQueueUserWorkItem({|TC1004:Work|}, null); }
        """);

    [Fact]
    public Task Accessor_in_CancellationToken_UnsafeRegister_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(CancellationToken ct) => ct.UnsafeRegister(_ => { _ = {|TC1004:Wiki.Storage|}; }, null); }
        """);

    [Fact]
    public Task Current_in_UnsafeRegisterWaitForSingleObject_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(WaitHandle h) => ThreadPool.UnsafeRegisterWaitForSingleObject(h, (s, t) => { _ = {|TC1004:TenantContext.Current|}; }, null, -1, true); }
        """);

    [Fact]
    public Task Lambda_under_SuppressFlow_using_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (ExecutionContext.SuppressFlow()) { Task.Run(() => {|TC1004:Wiki.Db|}); } } }
        """);

    [Fact]
    public Task Lambda_after_SuppressFlow_using_declaration_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using var f = ExecutionContext.SuppressFlow(); Task.Run(() => {|TC1004:TenantContext.GetStorage()|}); } }
        """);

    [Fact]
    public Task Lambda_after_SuppressFlow_statement_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { var f = ExecutionContext.SuppressFlow(); new Thread(() => { _ = {|TC1004:Wiki.Db|}; }).Start(); f.Undo(); } }
        """);

    [Fact]
    public Task Callback_inside_RequiresTenant_method_is_still_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => { _ = {|TC1004:Wiki.Db|}; }, null); }
        """);

    [Fact]
    public Task Nested_lambda_in_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => { Func<object> f = () => {|TC1004:Wiki.Db|}; }, null); }
        """);

    [Fact]
    public Task RequiresTenant_call_in_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] static void Work() { } void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => {|TC1004:Work()|}, null); }
        """);

    [Fact]
    public Task Async_lambda_under_SuppressFlow_is_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { using (ExecutionContext.SuppressFlow()) { await Task.Run(async () => { await Task.Yield(); _ = {|TC1004:Wiki.Db|}; }); } } }
        """);

    // ---- must not report ----

    [Fact]
    public Task QueueUserWorkItem_flows_the_context() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { ThreadPool.QueueUserWorkItem(_ => { _ = Wiki.Db; }); } } }
        """);

    [Fact]
    public Task Register_flows_the_context() => Verify.VerifyAsync(Usings + """
        class C { void M(CancellationToken ct) { using (TenantContext.Enter("a")) { ct.Register(() => { _ = Wiki.Db; }); } } }
        """);

    [Fact]
    public Task Callback_that_enters_a_snapshot_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] void M() { var snap = TenantContext.Capture(); ThreadPool.UnsafeQueueUserWorkItem(_ => { using (snap.Enter()) { _ = Wiki.Db; } }, null); } }
        """);

    [Fact]
    public Task Callback_that_runs_in_a_tenant_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => TenantContext.Run("a", () => { _ = Wiki.Db; }), null); }
        """);

    [Fact]
    public Task Callback_without_tenant_code_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => Console.WriteLine("hi"), null); }
        """);

    [Fact]
    public Task Callback_checking_IsActive_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() => ThreadPool.UnsafeQueueUserWorkItem(_ => { if (TenantContext.IsActive) { _ = Wiki.Db; } }, null); }
        """);

    [Fact]
    public Task Lambda_before_SuppressFlow_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { Task.Run(() => Wiki.Db); using (ExecutionContext.SuppressFlow()) { } } } }
        """);

    [Fact]
    public Task Direct_use_under_SuppressFlow_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { using (ExecutionContext.SuppressFlow()) { _ = Wiki.Db; } } } }
        """);

    [Fact]
    public Task Unmarked_method_group_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static void Work(object? s) { } void M() => ThreadPool.UnsafeQueueUserWorkItem(Work, null); }
        """);

    [Fact]
    public Task Task_Run_outside_SuppressFlow_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { Task M() { using var s = TenantContext.Enter("a"); return Task.Run(() => Wiki.Db); } }
        """);
}
