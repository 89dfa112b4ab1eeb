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

// A generic repository: T can stand for a tenant-owned entity. [CrossTenant] goes on the method of a generic type.
public class Repository<T> where T : class
{
    public IQueryable<T> All(IQueryable<T> set) => set.IgnoreQueryFilters();

    public IQueryable<T> Live(IQueryable<T> set) => set.IgnoreQueryFilters(["SoftDelete"]);     // keeps the tenant filter

    public IQueryable<TOther> Of<TOther>(IQueryable<TOther> set) where TOther : class => set.IgnoreQueryFilters();
}

// A non-tenant root that reaches tenant-owned rows through a navigation.
public sealed class Shelf
{
    public System.Collections.Generic.List<Page> Pages { get; } = new();

    public static int Count(IQueryable<Shelf> shelves) => shelves.Include(s => s.Pages).IgnoreQueryFilters().Count();
}
