using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class ResourceEscapeCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.ResourceEscapesScope);

    private const string Usings = "using System; using System.Collections.Concurrent; using System.Collections.Generic; using System.Threading; using System.Threading.Tasks; using Tenancy;\n";

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

    [Fact]
    public Task Lazy_whose_factory_returns_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Lazy<ITenantDatabase> s_db = new(() => {|TC1005:TenantContext.GetDb()|}); }
        """);

    [Fact]
    public Task Lazy_over_a_resource_method_group_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static Lazy<ITenantDatabase>? s_db; void M() => s_db = new Lazy<ITenantDatabase>({|TC1005:TenantContext.GetDb|}); }
        """);

    [Fact]
    public Task Lazy_factory_with_a_block_body_returning_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Lazy<ITenantStorage> s_storage = new(() => { var storage = TenantContext.GetStorage(); return {|TC1005:storage|}; }); }
        """);

    [Fact]
    public Task LazyInitializer_factory_returning_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static ITenantDatabase? s_db; [RequiresTenant] ITenantDatabase M() => LazyInitializer.EnsureInitialized(ref s_db, () => {|TC1005:TenantContext.GetDb()|}); }
        """);

    [Fact]
    public Task Method_group_bound_to_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<System.Data.Common.DbConnection>? s_open; [RequiresTenant] void M() => s_open ??= {|TC1005:TenantContext.GetDb().OpenConnection|}; }
        """);

    [Fact]
    public Task Method_group_bound_to_a_local_holding_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static Func<System.Data.Common.DbConnection>? s_open; [RequiresTenant] void M() { var db = Wiki.Db; s_open = {|TC1005:db.OpenConnection|}; } }
        """);

    [Fact]
    public Task Element_of_a_static_dictionary_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Dictionary<string, ITenantDatabase> s_dbs = new(); [RequiresTenant] void M(string t) { s_dbs[t] = {|TC1005:TenantContext.GetDb()|}; } }
        """);

    [Fact]
    public Task Resource_added_to_a_static_collection_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            static readonly ConcurrentDictionary<string, ITenantDatabase> s_dbs = new();
            static readonly List<object> s_all = new();
            [RequiresTenant] void M(string t) { s_dbs.TryAdd(t, {|TC1005:Wiki.Db|}); s_all.Add({|TC1005:Wiki.Storage|}); }
        }
        """);

    [Fact]
    public Task GetOrAdd_factory_returning_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly ConcurrentDictionary<string, ITenantDatabase> s_dbs = new(); [RequiresTenant] ITenantDatabase M(string t) => s_dbs.GetOrAdd(t, _ => {|TC1005:TenantContext.GetDb()|}); }
        """);

    [Fact]
    public Task Member_of_a_static_object_is_reported() => Verify.VerifyAsync(Usings + """
        class Holder { public ITenantDatabase? Db; }
        class C { static readonly Holder s_holder = new(); [RequiresTenant] void M() { s_holder.Db = {|TC1005:TenantContext.GetDb()|}; } }
        """);

    [Fact]
    public Task Static_timer_whose_callback_captures_a_resource_is_reported() => Verify.VerifyAsync(Usings + """
        class C
        {
            static Timer? s_timer;
            [RequiresTenant] void M() { var db = TenantContext.GetDb(); s_timer = new Timer(_ => {|TC1005:db|}.OpenConnection().Dispose(), null, 0, 1000); }
        }
        """);

    [Fact]
    public Task Resource_wrapped_in_an_object_or_tuple_is_reported() => Verify.VerifyAsync(Usings + """
        record Wrapper(object Inner);
        class C
        {
            static Wrapper? s_wrapper;
            static (string, ITenantStorage)? s_pair;
            static Timer? s_timer;
            [RequiresTenant] void M()
            {
                s_wrapper = new Wrapper({|TC1005:Wiki.Db|});
                s_pair = ("x", {|TC1005:Wiki.Storage|});
                s_timer = new Timer(_ => { }, {|TC1005:TenantContext.GetDb()|}, 0, 1000);
            }
        }
        """);

    // ---- must not report ----

    [Fact]
    public Task Lazy_whose_factory_reads_something_else_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Lazy<string> s_root = new(() => "root"); static readonly Lazy<object> s_o = new(() => new object()); }
        """);

    [Fact]
    public Task Func_that_reads_the_accessor_each_call_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Func<ITenantDatabase> s_db = () => TenantContext.GetDb(); static readonly Func<ITenantDatabase> s_g = TenantContext.GetDb; }
        """);

    [Fact]
    public Task Static_timer_whose_callback_reads_the_accessor_when_it_runs_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly Timer s_timer = new(_ => Wiki.Db.OpenConnection().Dispose(), null, 0, 1000); }
        """);

    [Fact]
    public Task Value_derived_from_a_resource_added_to_a_static_collection_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { static readonly List<string> s_roots = new(); [RequiresTenant] void M() => s_roots.Add(Wiki.Storage.Root); }
        """);

    [Fact]
    public Task Resource_added_to_an_instance_collection_is_not_reported() => Verify.VerifyAsync(Usings + """
        class C { readonly List<object> _all = new(); [RequiresTenant] void M() => _all.Add(Wiki.Db); }
        """);

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

    // ---- shapes from the outside corpus, second pass (issue 16) ----

    [Fact]
    public Task Interlocked_Exchange_and_CompareExchange_into_a_static_are_escapes() => Verify.VerifyAsync(Usings + """
        class C
        {
            static ITenantDatabase? s_db;
            ITenantDatabase? _db;
            [RequiresTenant] void A() => Interlocked.CompareExchange(ref s_db, {|TC1005:Wiki.Db|}, null);
            [RequiresTenant] void B() { var db = Wiki.Db; Interlocked.Exchange(ref s_db, {|TC1005:db|}); }
            [RequiresTenant] void D() => Interlocked.CompareExchange(ref _db, Wiki.Db, null);
            [RequiresTenant] void E(ITenantDatabase other) => Interlocked.CompareExchange(ref s_db, other, Wiki.Db);
        }
        """);

    [Fact]
    public Task A_static_channel_WriteAsync_and_a_cache_Set_extension_are_escapes() => Verify.VerifyAsync(Usings + """
        class Cache { }
        static class CacheExtensions { public static T Set<T>(this Cache cache, object key, T value) => value; }
        class C
        {
            static readonly System.Threading.Channels.Channel<ITenantDatabase> s_channel = System.Threading.Channels.Channel.CreateUnbounded<ITenantDatabase>();
            static readonly Cache s_cache = new();
            [RequiresTenant] ValueTask A() => s_channel.Writer.WriteAsync({|TC1005:Wiki.Db|});
            [RequiresTenant] void B(string key) => s_cache.Set(key, {|TC1005:Wiki.Db|});
            [RequiresTenant] void D(Cache local, string key) => local.Set(key, Wiki.Db);
            [RequiresTenant] void E(string key) => s_cache.Set(key, Wiki.Storage.Root);
        }
        """);
}
