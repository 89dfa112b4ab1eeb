using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>
/// Row-level isolation on the app's own tenant column (website_id bigint REFERENCES websites(id)), the key taken from the
/// tenant's catalog record: the filter, the stamp and the guard, on one shared SQLite file.
/// </summary>
public sealed class TenantKeyColumnTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _connectionString;
    private readonly TenantConfiguration _configuration = SitesContext.Tenants(("acme", 1), ("globex", 2));

    public TenantKeyColumnTests()
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _folder.Combine("sites.db"), Pooling = false }.ToString();
        using var context = NewContext(isolated: false);
        context.Database.EnsureCreated();
        context.Websites.AddRange(new Website { Id = 1, Host = "acme.example" }, new Website { Id = 2, Host = "globex.example" });
        context.Pages.AddRange(new Page { WebsiteId = 1, Slug = "home", Title = "Acme" }, new Page { WebsiteId = 2, Slug = "home", Title = "Globex" });
        context.SaveChanges();
    }

    public void Dispose()
    {
        _configuration.Dispose();
        _folder.Dispose();
    }

    private SitesContext NewContext(bool isolated = true)
    {
        var options = new DbContextOptionsBuilder<SitesContext>().UseSqlite(_connectionString);
        return new SitesContext((isolated ? SitesContext.Isolated(options) : options).Options);
    }

    private string[] Pages()
    {
        using var context = NewContext(isolated: false);
        return context.Pages.OrderBy(p => p.Id).Select(p => p.WebsiteId + ":" + p.Slug + ":" + p.Title).ToArray();
    }

    [Fact]
    public void Queries_see_only_the_rows_of_the_current_tenants_key()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = NewContext();
        using (TenantContext.Enter("globex"))
        {
            Assert.Equal(["Globex"], context.Pages.Select(p => p.Title).ToArray());
        }
    }

    [Fact]
    public void A_new_row_is_stamped_with_the_current_tenants_key()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = NewContext();
        using (TenantContext.Enter("acme"))
        {
            context.Pages.Add(new Page { Slug = "about", Title = "About acme" });
            context.SaveChanges();
        }

        Assert.Contains("1:about:About acme", Pages());
    }

    [Fact]
    public void A_new_row_naming_another_tenants_key_is_refused_and_nothing_is_written()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = NewContext();
        var before = Pages();
        using (TenantContext.Enter("acme"))
        {
            context.Pages.Add(new Page { WebsiteId = 2, Slug = "planted", Title = "x" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("WebsiteId '2'", refused.Message);
        }

        Assert.Equal(before, Pages());
    }

    [Fact]
    public void Updating_another_tenants_row_attached_with_a_forged_key_is_refused_and_nothing_is_written()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = NewContext();
        var before = Pages();
        using (TenantContext.Enter("acme"))
        {
            context.Pages.Update(new Page { Id = 2, WebsiteId = 1, Slug = "home", Title = "stolen" });
            var refused = Assert.Throws<CrossTenantWriteException>(() => context.SaveChanges());
            Assert.Contains("belongs to WebsiteId '2'", refused.Message);
        }

        Assert.Equal(before, Pages());
    }

    [Fact]
    public void Find_Local_and_Entry_refuse_on_a_context_that_tracks_another_tenants_rows()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = NewContext();
        Page acme;
        using (TenantContext.Enter("acme"))
        {
            acme = context.Pages.Single();
        }

        using (TenantContext.Enter("globex"))
        {
            Assert.Throws<CrossTenantContextException>(() => context.Pages.Find(acme.Id));
            Assert.Throws<CrossTenantContextException>(() => context.Pages.Local.ToList());
            Assert.Throws<CrossTenantContextException>(() => context.Entry(acme));
        }
    }

    [Fact]
    public void The_same_slug_is_allowed_once_per_website()
    {
        using var context = NewContext();
        var index = Assert.Single(context.Model.FindEntityType(typeof(Page))!.GetIndexes(), i => i.IsUnique);
        Assert.Equal(["WebsiteId", "Slug"], index.Properties.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void Without_a_key_source_a_query_says_how_to_give_one()
    {
        using var flow = TenantContext.UseConfiguration(_configuration);
        using var context = new SitesContext(new DbContextOptionsBuilder<SitesContext>().UseSqlite(_connectionString).UseTenantIsolation().Options);
        using (TenantContext.Enter("acme"))
        {
            var refused = Assert.Throws<InvalidOperationException>(() => context.Pages.ToList());
            Assert.Contains("o.TenantKey(", refused.Message);
        }
    }
}
