// TC1006: IgnoreQueryFilters() on tenant-owned rows, where [CrossTenant] can and cannot go.
using System;
using System.Linq;
using Microsoft.EntityFrameworkCore;

namespace Corpus;

public class Reports
{
    private static readonly Func<IQueryable<Page>, int> s_count = q => q.IgnoreQueryFilters().Count();

    public int Count(IQueryable<Page> pages) => pages.IgnoreQueryFilters().Count();

    public int InALambda(IQueryable<Page> pages)
    {
        Func<int> count = () => pages.IgnoreQueryFilters().Count();
        return count() + s_count(pages);
    }

    public int InALocalFunction(IQueryable<Page> pages)
    {
        return All();

        int All() => pages.IgnoreQueryFilters().Count();
    }

    public int Property => Array.Empty<Page>().AsQueryable().IgnoreQueryFilters().Count();

    public event EventHandler Counted
    {
        add { _ = Array.Empty<Page>().AsQueryable().IgnoreQueryFilters().Count(); }     // [CrossTenant] cannot go on an event
        remove { }
    }

    public override string ToString() => Array.Empty<Page>().AsQueryable().IgnoreQueryFilters().Count().ToString();
}
