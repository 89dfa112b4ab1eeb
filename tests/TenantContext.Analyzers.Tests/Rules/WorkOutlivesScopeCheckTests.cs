using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class WorkOutlivesScopeCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.WorkOutlivesScope);

    private const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Tenancy;\n";

    // ---- must report ----

    [Fact]
    public Task Discarded_Task_Run_reading_an_accessor_inside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { _ = Task.Run(() => {|TC1010:Wiki.Db|}); } } }
        """);

    [Fact]
    public Task Task_Run_as_a_statement_inside_a_scope_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using var scope = TenantContext.Enter("acme"); Task.Run(() => { var s = {|TC1010:Wiki.Storage|}; }); } }
        """);

    [Fact]
    public Task Fire_and_forget_in_a_RequiresTenant_handler_is_reported() => Verify.VerifyAsync(Usings + """
        class Handler { [RequiresTenant] public void Handle() { _ = Task.Run(async () => { await Task.Delay(10); _ = {|TC1010:TenantContext.GetDb()|}; }); } }
        """);

    [Fact]
    public Task TaskFactory_StartNew_not_awaited_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { Task.Factory.StartNew(() => {|TC1010:TenantContext.Current|}.Slug); } } }
        """);

    [Fact]
    public Task ThreadPool_QueueUserWorkItem_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { ThreadPool.QueueUserWorkItem(_ => { _ = {|TC1010:Wiki.Db|}; }); } } }
        """);

    [Fact]
    public Task Timer_callback_is_reported() => Verify.VerifyAsync(Usings + """
        class C { Timer? _t; void M() { using (TenantContext.Enter("acme")) { _t = new Timer(_ => { _ = {|TC1010:Wiki.Db|}; }, null, 1000, 1000); } } }
        """);

    [Fact]
    public Task Method_group_of_a_tenant_scoped_method_is_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] static void Work(object? state) { } void M() { using (TenantContext.Enter("acme")) { ThreadPool.QueueUserWorkItem({|TC1010:Work|}); } } }
        """);

    [Fact]
    public Task Method_group_of_an_ordinary_method_reading_the_tenant_is_reported() => Verify.VerifyAsync(Usings + """
        class C { void Work() { _ = {|TC1010:Wiki.Db|}; } void M() { using (TenantContext.Enter("acme")) { _ = Task.Run(Work); } } }
        """);

    [Fact]
    public Task Unawaited_tenant_scoped_async_call_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static async Task NotifyAsync() { await Task.Delay(10); }
            void M() { using (TenantContext.Enter("acme")) { _ = {|TC1010:NotifyAsync()|}; } }
        }
        """);

    [Fact]
    public Task Unawaited_async_local_function_reading_the_tenant_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                using (TenantContext.Enter("acme"))
                {
                    async Task SendAsync() { await Task.Delay(10); _ = {|TC1010:Wiki.Db|}; }
                    SendAsync();
                }
            }
        }
        """);

    // ---- must not report ----

    [Fact]
    public Task Awaited_Task_Run_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { using (TenantContext.Enter("acme")) { await Task.Run(() => Wiki.Db); } } }
        """);

    [Fact]
    public Task Task_kept_in_a_local_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { async Task M() { using (TenantContext.Enter("acme")) { var t = Task.Run(() => Wiki.Db); await t; } } }
        """);

    [Fact]
    public Task Returned_task_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { [RequiresTenant] Task<ITenantDatabase> M() => Task.Run(() => Wiki.Db); }
        """);

    [Fact]
    public Task Work_that_enters_a_captured_snapshot_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            void M()
            {
                using (TenantContext.Enter("acme"))
                {
                    var snapshot = TenantContext.Capture();
                    _ = Task.Run(() => { using (snapshot.Enter()) { _ = Wiki.Db; } });
                }
            }
        }
        """);

    [Fact]
    public Task Work_that_runs_its_own_tenant_scope_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M(string tenant) { using (TenantContext.Enter("acme")) { _ = Task.Run(() => TenantContext.Run(tenant, () => Wiki.Db)); } } }
        """);

    [Fact]
    public Task Work_that_reads_nothing_tenant_scoped_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { void M() { using (TenantContext.Enter("acme")) { _ = Task.Run(() => Console.WriteLine("hi")); ThreadPool.QueueUserWorkItem(_ => { }); } } }
        """);

    [Fact]
    public Task Work_started_outside_any_scope_is_left_to_TC1001() => Verify.VerifyAsync(Usings + """
        class C { void M() { _ = Task.Run(() => Wiki.Db); } }
        """);

    [Fact]
    public Task Awaited_tenant_scoped_async_call_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static async Task NotifyAsync() { await Task.Delay(10); }
            async Task M() { using (TenantContext.Enter("acme")) { await NotifyAsync(); } }
        }
        """);

    // ---- shapes from the outside corpus, second pass (issue 16) ----

    [Fact]
    public Task A_task_dropped_through_ConfigureAwait_is_dropped() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static async Task NotifyAsync() { await Task.Yield(); }
            [RequiresTenant] void A() { _ = Task.Run(() => {|TC1010:Wiki.Db|}).ConfigureAwait(false); }
            [RequiresTenant] void B() { _ = {|TC1010:NotifyAsync()|}.ConfigureAwait(false); }
            [RequiresTenant] async Task D() { await Task.Run(() => Wiki.Db).ConfigureAwait(false); }
            [RequiresTenant] object E() => Task.Run(() => Wiki.Db).ConfigureAwait(false);
        }
        """);

    [Fact]
    public Task A_call_of_an_async_void_local_function_or_tenant_scoped_method_is_fire_and_forget() => Verify.VerifyAsync(Usings + """
        class C
        {
            [RequiresTenant] static async void FireAsync() { await Task.Yield(); }
            [RequiresTenant] void A() { Fire(); async void Fire() { await Task.Yield(); _ = {|TC1010:Wiki.Db|}; } }
            [RequiresTenant] void B() { {|TC1010:FireAsync()|}; }
            [RequiresTenant] void D() { Sync(); void Sync() { _ = Wiki.Db; } }
            void E() { Fire(); async void Fire() { await Task.Yield(); _ = Wiki.Db; } }
        }
        """);
}
