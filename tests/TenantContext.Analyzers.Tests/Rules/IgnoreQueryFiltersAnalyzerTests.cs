using Verify = Tenancy.Analyzers.Tests.Verifiers.AnalyzerVerifier<Tenancy.Analyzers.IgnoreQueryFiltersAnalyzer>;

namespace Tenancy.Analyzers.Tests.Rules;

public class IgnoreQueryFiltersAnalyzerTests
{
    private const string Model = """
        using System; using System.Linq; using System.Threading.Tasks; using Microsoft.EntityFrameworkCore; using Tenancy;
        public class Page : ITenantOwned { public string TenantId { get; set; } = ""; public string Title = ""; }
        public class Special : Page { }
        public class Country { public string Code = ""; }

        """;

    // ---- must report ----

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
}
