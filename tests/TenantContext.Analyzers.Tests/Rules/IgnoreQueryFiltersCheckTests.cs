using Tenancy.Analyzers.Tests.Verifiers;

namespace Tenancy.Analyzers.Tests.Rules;

public class IgnoreQueryFiltersCheckTests
{
    private static AnalyzerVerifier<TenantOperationsAnalyzer> Verify { get; } = new(DiagnosticIds.IgnoreQueryFilters);

    private const string Model = """
        using System; using System.Linq; using System.Threading.Tasks; using Microsoft.EntityFrameworkCore; using Tenancy;
        public class Page : ITenantOwned { public string TenantId { get; set; } = ""; public string Title = ""; }
        public class Special : Page { }
        public class Country { public string Code = ""; }
        public class Site { public string Name = ""; public System.Collections.Generic.List<Page> Pages { get; } = new(); public Page? Home { get; set; } public Country? Owner { get; set; } }

        """;

    // ---- must report ----

    [Fact]
    public Task Named_overload_naming_the_tenant_filter_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters(["Tenancy.TenantIsolation"])|}; }
        """);

    [Fact]
    public Task Named_overload_with_names_it_cannot_read_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q, string[] names) => {|TC1006:q.IgnoreQueryFilters(names)|}; }
        """);

    [Fact]
    public Task Named_overload_with_a_name_that_is_not_constant_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q, string name) => {|TC1006:q.IgnoreQueryFilters(["SoftDelete", name])|}; }
        """);

    [Fact]
    public Task IgnoreQueryFilters_after_a_projection_of_a_tenant_owned_query_is_reported() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Page> q) => {|TC1006:q.Select(p => p.Title).IgnoreQueryFilters()|}.Count(); }
        """);

    [Fact]
    public Task Include_of_a_tenant_owned_navigation_from_a_non_tenant_root_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Site> M(IQueryable<Site> sites) => {|TC1006:sites.Include(s => s.Pages).IgnoreQueryFilters()|}; }
        """);

    [Fact]
    public Task Include_after_IgnoreQueryFilters_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Site> M(IQueryable<Site> sites) => {|TC1006:sites.IgnoreQueryFilters()|}.Include(s => s.Home); }
        """);

    [Fact]
    public Task Tenant_owned_navigation_read_in_a_later_lambda_is_reported() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Site> sites) => {|TC1006:sites.IgnoreQueryFilters()|}.Count(s => s.Pages.Count > 0); }
        """);

    [Fact]
    public Task Generic_repository_over_an_unconstrained_entity_is_reported() => Verify.VerifyAsync(Model + """
        class Repository<T> where T : class { public IQueryable<T> All(IQueryable<T> q) => {|TC1006:q.IgnoreQueryFilters()|}; }
        """);

    [Fact]
    public Task Query_held_in_a_local_is_followed_to_its_root() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Page> q) { var titles = q.Select(p => p.Title); return {|TC1006:titles.IgnoreQueryFilters()|}.Count(); } }
        """);

    [Fact]
    public Task Tenant_owned_query_in_plain_method_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters()|}; }
        """);

    [Fact]
    public Task Derived_tenant_owned_entity_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Special> M(IQueryable<Special> q) => {|TC1006:q.IgnoreQueryFilters()|}; }
        """);

    [Fact]
    public Task Static_call_form_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q) => {|TC1006:EntityFrameworkQueryableExtensions.IgnoreQueryFilters(q)|}; }
        """);

    [Fact]
    public Task Inside_a_chain_is_reported() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Page> q) => {|TC1006:q.Where(p => p.Title != "").IgnoreQueryFilters()|}.Count(); }
        """);

    [Fact]
    public Task Inside_a_lambda_is_reported() => Verify.VerifyAsync(Model + """
        class C { Func<IQueryable<Page>, int> M() => q => {|TC1006:q.IgnoreQueryFilters()|}.Count(); }
        """);

    [Fact]
    public Task Inside_a_local_function_is_reported() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Page> q) { int L() => {|TC1006:q.IgnoreQueryFilters()|}.Count(); return L(); } }
        """);

    [Fact]
    public Task Inside_an_async_method_is_reported() => Verify.VerifyAsync(Model + """
        class C { async Task<int> M(IQueryable<Page> q) { await Task.Yield(); return {|TC1006:q.IgnoreQueryFilters()|}.Count(); } }
        """);

    [Fact]
    public Task Inside_a_RequiresTenant_member_is_reported() => Verify.VerifyAsync(Model + """
        class C { [RequiresTenant] int M(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters()|}.Count(); }
        """);

    [Fact]
    public Task Generic_constrained_to_tenant_owned_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<T> M<T>(IQueryable<T> q) where T : class, ITenantOwned => {|TC1006:q.IgnoreQueryFilters()|}; }
        """);

    [Fact]
    public Task In_a_switch_expression_is_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> M(IQueryable<Page> q, bool all) => all switch { true => {|TC1006:q.IgnoreQueryFilters()|}, _ => q }; }
        """);

    [Fact]
    public Task In_top_level_statements_is_reported() => Verify.VerifyProgramAsync(Model.Replace("public class", "class") .Insert(Model.IndexOf("public class", StringComparison.Ordinal),
        "var n = {|TC1006:Enumerable.Empty<Page>().AsQueryable().IgnoreQueryFilters()|}.Count();\n"));

    // ---- must not report ----

    [Fact]
    public Task Inside_CrossTenant_method_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { [CrossTenant] IQueryable<Page> M(IQueryable<Page> q) => q.IgnoreQueryFilters(); }
        """);

    [Fact]
    public Task Inside_CrossTenant_type_is_not_reported() => Verify.VerifyAsync(Model + """
        [CrossTenant(Justification = "reports")] class Reports { int M(IQueryable<Page> q) => q.IgnoreQueryFilters().Count(); }
        """);

    [Fact]
    public Task Inside_lambda_of_CrossTenant_method_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { [CrossTenant] Func<IQueryable<Page>, int> M() => q => q.IgnoreQueryFilters().Count(); }
        """);

    [Fact]
    public Task Inside_CrossTenant_local_function_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { int M(IQueryable<Page> q) { [CrossTenant] int L() => q.IgnoreQueryFilters().Count(); return L(); } }
        """);

    [Fact]
    public Task Inside_CrossTenant_property_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Page> Q = null!; [CrossTenant] int All => Q.IgnoreQueryFilters().Count(); }
        """);

    [Fact]
    public Task Inside_CrossTenant_constructor_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { [CrossTenant] C(IQueryable<Page> q) { _ = q.IgnoreQueryFilters().Count(); } }
        """);

    [Fact]
    public Task Named_overload_that_keeps_the_tenant_filter_is_not_reported() => Verify.VerifyAsync(Model + """
        class C
        {
            IQueryable<Page> A(IQueryable<Page> q) => q.IgnoreQueryFilters(["SoftDelete"]);
            IQueryable<Page> B(IQueryable<Page> q) => q.IgnoreQueryFilters(new[] { "SoftDelete", "Draft" });
            IQueryable<Page> D(IQueryable<Page> q) => q.IgnoreQueryFilters(new System.Collections.Generic.List<string> { Names.SoftDelete });
        }
        static class Names { public const string SoftDelete = "SoftDelete"; }
        """);

    [Fact]
    public Task Non_tenant_root_with_non_tenant_navigations_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Site> M(IQueryable<Site> sites) => sites.Include(s => s.Owner).IgnoreQueryFilters().Where(s => s.Name != ""); }
        """);

    [Fact]
    public Task Captured_tenant_owned_value_in_a_lambda_is_not_a_navigation() => Verify.VerifyAsync(Model + """
        class C { Site? Current; int M(IQueryable<Site> sites) => sites.IgnoreQueryFilters().Count(s => s.Name == Current!.Home!.Title); }
        """);

    [Fact]
    public Task Entity_not_tenant_owned_is_not_reported() => Verify.VerifyAsync(Model + """
        class C { IQueryable<Country> M(IQueryable<Country> q) => q.IgnoreQueryFilters(); }
        """);

    [Fact]
    public Task Other_IgnoreQueryFilters_methods_are_ignored() => Verify.VerifyAsync(Model + """
        static class Mine { public static IQueryable<T> IgnoreQueryFilters<T>(this IQueryable<T> q) => q; }
        class C { IQueryable<Page> M(IQueryable<Page> q) => Mine.IgnoreQueryFilters(q); }
        """);

    [Fact]
    public Task Nested_type_of_CrossTenant_type_is_not_reported() => Verify.VerifyAsync(Model + """
        [CrossTenant] class Outer { class Inner { int M(IQueryable<Page> q) => q.IgnoreQueryFilters().Count(); } }
        """);

    [Fact]
    public Task Partial_class_part_marked_CrossTenant_is_not_reported() => Verify.VerifyAsync(Model + """
        [CrossTenant] partial class C { }
        partial class C { int M(IQueryable<Page> q) => q.IgnoreQueryFilters().Count(); }
        """);

    // ---- shapes from the outside corpus, second pass (issue 16) ----

    [Fact]
    public Task A_subquery_on_a_tenant_owned_set_in_the_querys_lambdas_is_reached() => Verify.VerifyAsync(Model + """
        abstract class AppDb : DbContext { public abstract DbSet<Page> Pages { get; } public abstract DbSet<Site> Sites { get; } }
        class C
        {
            int A(AppDb db) => {|TC1006:db.Sites.IgnoreQueryFilters()|}.Count(s => db.Pages.Any(p => p.Title == s.Name));
            int B(AppDb db) => {|TC1006:db.Sites.Where(s => db.Set<Page>().Any(p => p.Title == s.Name)).IgnoreQueryFilters()|}.Count();
            int D(AppDb db, System.Collections.Generic.List<Page> cached) => db.Sites.IgnoreQueryFilters().Count(s => cached.Any(p => p.Title == s.Name));
        }
        """);
}
