using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>A website of the site builder: its id is the tenant's key, kept in the catalog record.</summary>
public sealed class Website
{
    public long Id { get; set; }

    public string Host { get; set; } = "";
}

/// <summary>A page in a shared table, owned by a website through the app's own column (not ITenantOwned).</summary>
public sealed class Page
{
    public long Id { get; set; }

    public long WebsiteId { get; set; }

    public string Slug { get; set; } = "";

    public string Title { get; set; } = "";
}

/// <summary>The catalog record a tenant resolver attaches to TenantInfo (stands in for PostgresTenantRecord).</summary>
public sealed record SiteRecord(long Key);

/// <summary>The site builder's schema as it already is: website_id BIGINT NOT NULL REFERENCES websites(id), snake_case names.</summary>
public sealed class SitesContext(DbContextOptions<SitesContext> options) : DbContext(options)
{
    public DbSet<Website> Websites => Set<Website>();

    public DbSet<Page> Pages => Set<Page>();

    /// <summary>Options with the tenant's key taken from its catalog record.</summary>
    public static DbContextOptionsBuilder<SitesContext> Isolated(DbContextOptionsBuilder<SitesContext> options)
        => options.UseTenantIsolation(o => o.TenantKey(t => t.GetRecord<SiteRecord>()!.Key));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Website>(e =>
        {
            e.ToTable("websites");
            e.Property(w => w.Id).HasColumnName("id");
            e.Property(w => w.Host).HasColumnName("host");
        });
        modelBuilder.Entity<Page>(e =>
        {
            e.ToTable("pages");
            e.Property(p => p.Id).HasColumnName("id");
            e.Property(p => p.WebsiteId).HasColumnName("website_id");
            e.Property(p => p.Slug).HasColumnName("slug");
            e.Property(p => p.Title).HasColumnName("title");
            e.HasOne<Website>().WithMany().HasForeignKey(p => p.WebsiteId);
            e.HasTenantKey(p => p.WebsiteId);
            e.HasTenantUniqueIndex(p => p.Slug);
        });
    }

    /// <summary>A configuration whose tenants carry their website id as the catalog record.</summary>
    public static TenantConfiguration Tenants(params (string Slug, long Key)[] sites)
    {
        var keys = sites.ToDictionary(s => s.Slug, s => s.Key);
        return TenantConfiguration.Build(b => b.ResolveTenant(slug => keys.TryGetValue(slug, out var key)
            ? new TenantInfo(slug, new SiteRecord(key))
            : throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound, $"No website is called {slug}.")));
    }
}
