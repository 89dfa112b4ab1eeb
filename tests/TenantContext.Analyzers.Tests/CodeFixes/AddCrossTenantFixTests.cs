using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.IgnoreQueryFiltersAnalyzer, Tenancy.Analyzers.CodeFixes.AddCrossTenantFix>;

namespace Tenancy.Analyzers.Tests.CodeFixes;

public class AddCrossTenantFixTests
{
    private const string Model = """

        public class Page : Tenancy.ITenantOwned { public string TenantId { get; set; } = ""; }
        """;

    [Fact]
    public Task Marks_the_enclosing_method_CrossTenant() => Verify.VerifyFixAsync("""
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            int Count(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters()|}.Count();
        }
        """ + Model, """
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            [CrossTenant]
            int Count(IQueryable<Page> q) => q.IgnoreQueryFilters().Count();
        }
        """ + Model);

    [Fact]
    public Task Fix_all_marks_every_method() => Verify.VerifyFixAsync("""
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            int A(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters()|}.Count();

            int B(IQueryable<Page> q) => {|TC1006:q.IgnoreQueryFilters()|}.Count();
        }
        """ + Model, """
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            [CrossTenant]
            int A(IQueryable<Page> q) => q.IgnoreQueryFilters().Count();

            [CrossTenant]
            int B(IQueryable<Page> q) => q.IgnoreQueryFilters().Count();
        }
        """ + Model);
}
