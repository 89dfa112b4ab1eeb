using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class ContextFlowCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.ContextDoesNotFlow);

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

    [Fact]
    public Task Ordinary_method_group_whose_body_reads_the_tenant_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void Work(object? s) { _ = {|TC1004:Wiki.Db|}; } void M() => ThreadPool.UnsafeQueueUserWorkItem(Work, null); }
        """);

    [Fact]
    public Task Local_function_callback_reading_the_tenant_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(CancellationToken ct) { ct.UnsafeRegister(OnCancel, null); void OnCancel(object? s) { _ = {|TC1004:Wiki.Db|}; } } }
        """);

    [Fact]
    public Task Method_group_under_SuppressFlow_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static void Reindex() { }
            static void Work() { _ = {|TC1004:Wiki.Db|}; }
            void M() { using (ExecutionContext.SuppressFlow()) { Task.Run({|TC1004:Reindex|}); new Thread(Work).Start(); } }
        }
        """);

    [Fact]
    public Task Thread_UnsafeStart_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                new Thread(() => { _ = {|TC1004:Wiki.Db|}; }).UnsafeStart();
                var t = new Thread(_ => { _ = {|TC1004:Wiki.Storage|}; });
                t.UnsafeStart(null);
            }
        }
        """);

    [Fact]
    public Task IsFlowSuppressed_idiom_is_understood() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                var restore = false;
                if (!ExecutionContext.IsFlowSuppressed())
                {
                    ExecutionContext.SuppressFlow();
                    restore = true;
                }

                try
                {
                    ThreadPool.QueueUserWorkItem(_ => { _ = {|TC1004:Wiki.Db|}; });
                }
                finally
                {
                    if (restore)
                    {
                        ExecutionContext.RestoreFlow();
                    }
                }

                Task.Run(() => Wiki.Db);
            }
        }
        """);

    [Fact]
    public Task IsFlowSuppressed_idiom_with_a_nullable_flow_control_is_understood() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                AsyncFlowControl? flow = null;
                if (!ExecutionContext.IsFlowSuppressed())
                    flow = ExecutionContext.SuppressFlow();

                try
                {
                    ThreadPool.QueueUserWorkItem(_ => { _ = {|TC1004:Wiki.Db|}; });
                }
                finally
                {
                    flow?.Undo();
                }

                Task.Run(() => Wiki.Db);
            }
        }
        """);

    [Fact]
    public Task Conditional_SuppressFlow_in_a_using_is_understood() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (ExecutionContext.IsFlowSuppressed() ? default : ExecutionContext.SuppressFlow()) { Task.Run(() => {|TC1004:Wiki.Db|}); } } }
        """);

    [Fact]
    public Task Nested_lambdas_under_SuppressFlow_report_each_use_once() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (ExecutionContext.SuppressFlow()) { Task.Run(() => { Func<Func<object>> f = () => () => {|TC1004:Wiki.Db|}; }); } } }
        """);

    // ---- must not report ----

    [Fact]
    public Task Undo_ends_the_suppressed_region() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { var f = ExecutionContext.SuppressFlow(); Task.Run(() => {|TC1004:Wiki.Db|}); f.Undo(); Task.Run(() => Wiki.Storage); } } }
        """);

    [Fact]
    public Task RestoreFlow_ends_the_suppressed_region() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { ExecutionContext.SuppressFlow(); ExecutionContext.RestoreFlow(); Task.Run(() => Wiki.Storage); } } }
        """);

    [Fact]
    public Task Thread_Start_flows_the_context() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("a")) { var t = new Thread(() => { _ = Wiki.Db; }); t.Start(); } } }
        """);

    [Fact]
    public Task Method_group_of_a_method_that_enters_its_own_scope_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void Work(object? s) { using (TenantContext.Enter("a")) { _ = Wiki.Db; } } void M() => ThreadPool.UnsafeQueueUserWorkItem(Work, null); }
        """);

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
