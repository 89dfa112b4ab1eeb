using Verify = Tenancy.Analyzers.Tests.Verifiers.CodeFixVerifier<Tenancy.Analyzers.TenantOperationsAnalyzer, Tenancy.Analyzers.CodeFixes.AddCrossTenantFix>;

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

    [Fact]
    public Task Marks_the_lambda_CrossTenant() => Verify.VerifyFixAsync("""
        using System;
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            Func<int> Count(IQueryable<Page> q) => () => {|TC1006:q.IgnoreQueryFilters()|}.Count();
        }
        """ + Model, """
        using System;
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            Func<int> Count(IQueryable<Page> q) => [CrossTenant] () => q.IgnoreQueryFilters().Count();
        }
        """ + Model);

    [Fact]
    public Task Marks_an_override_CrossTenant() => Verify.VerifyFixAsync("""
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            public override string ToString() => {|TC1006:Enumerable.Empty<Page>().AsQueryable().IgnoreQueryFilters()|}.Count().ToString();
        }
        """ + Model, """
        using System.Linq;
        using Microsoft.EntityFrameworkCore;
        using Tenancy;

        class Reports
        {
            [CrossTenant]
            public override string ToString() => Enumerable.Empty<Page>().AsQueryable().IgnoreQueryFilters().Count().ToString();
        }
        """ + Model);

    [Fact]
    public Task No_fix_in_an_event_accessor_where_the_attribute_is_not_allowed() => Verify.VerifyFixAsync("""
        using System;
        using System.Linq;
        using Microsoft.EntityFrameworkCore;

        class Reports
        {
            event EventHandler Counted
            {
                add { _ = {|TC1006:Enumerable.Empty<Page>().AsQueryable().IgnoreQueryFilters()|}.Count(); }
                remove { }
            }
        }
        """ + Model, """
        using System;
        using System.Linq;
        using Microsoft.EntityFrameworkCore;

        class Reports
        {
            event EventHandler Counted
            {
                add { _ = {|TC1006:Enumerable.Empty<Page>().AsQueryable().IgnoreQueryFilters()|}.Count(); }
                remove { }
            }
        }
        """ + Model);
}
