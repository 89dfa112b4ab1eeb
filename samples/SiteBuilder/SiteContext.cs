using Microsoft.EntityFrameworkCore;
using Tenancy;

namespace SiteBuilder;

/// <summary>A website: its <c>id</c> is its tenant key in the catalog (<c>PostgresTenantRecord.Key</c>).</summary>
public sealed class Website
{
    public long Id { get; set; }

    public string Slug { get; set; } = "";

    public string Title { get; set; } = "";
}

/// <summary>A page of a website, in the shared <c>pages</c> table.</summary>
public sealed class Page
{
    public long Id { get; set; }

    public long WebsiteId { get; set; }

    public string Slug { get; set; } = "";

    public string Title { get; set; } = "";

    public string Body { get; set; } = "";

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Someone who wrote to a website through its contact form (one per e-mail address and website).</summary>
public sealed class Contact
{
    public long Id { get; set; }

    public long WebsiteId { get; set; }

    public string Email { get; set; } = "";

    public string Name { get; set; } = "";
}

/// <summary>A message sent through a website's contact form.</summary>
public sealed class Message
{
    public long Id { get; set; }

    public long WebsiteId { get; set; }

    public long ContactId { get; set; }

    public string Body { get; set; } = "";

    public DateTimeOffset SentAt { get; set; }
}

/// <summary>
/// The website builder's tables, shared by every website on a shard: each row carries the app's own
/// <c>website_id bigint NOT NULL REFERENCES websites(id)</c>. <c>HasTenantKey</c> makes it the tenant column, so the
/// query filter, the <c>SaveChanges</c> guard and PostgreSQL's row-level security all work on it; slugs and e-mail
/// addresses are unique per website (<c>HasTenantUniqueIndex</c>). Keys are <c>(website_id, id)</c>, so a website's rows
/// keep their ids when it moves to another shard (see <see cref="SiteSchema"/>). The tables are created by <see cref="SiteSchema"/>,
/// as the owner, from the SQL below; the app's role only reads and writes rows.
/// </summary>
public sealed class SiteContext(DbContextOptions<SiteContext> options) : DbContext(options)
{
    public DbSet<Website> Websites => Set<Website>();

    public DbSet<Page> Pages => Set<Page>();

    public DbSet<Contact> Contacts => Set<Contact>();

    public DbSet<Message> Messages => Set<Message>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // websites: one row per website, protected by its own row-level security policy (id = the connection's tenant key,
        // SiteSchema). It is not a tenant-owned entity for EF: the database alone shows a website its own row.
        modelBuilder.Entity<Website>(e =>
        {
            e.ToTable("websites");
            e.Property(w => w.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(w => w.Slug).HasColumnName("slug");
            e.Property(w => w.Title).HasColumnName("title");
        });
        modelBuilder.Entity<Page>(e =>
        {
            e.ToTable("pages");
            e.HasKey(p => new { p.WebsiteId, p.Id });
            e.Property(p => p.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(p => p.WebsiteId).HasColumnName("website_id");
            e.Property(p => p.Slug).HasColumnName("slug");
            e.Property(p => p.Title).HasColumnName("title");
            e.Property(p => p.Body).HasColumnName("body");
            e.Property(p => p.UpdatedAt).HasColumnName("updated_at");
            e.HasOne<Website>().WithMany().HasForeignKey(p => p.WebsiteId);
            e.HasTenantKey(p => p.WebsiteId);
            e.HasTenantUniqueIndex(p => p.Slug).HasDatabaseName("pages_website_slug");
        });
        modelBuilder.Entity<Contact>(e =>
        {
            e.ToTable("contacts");
            e.HasKey(c => new { c.WebsiteId, c.Id });
            e.Property(c => c.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(c => c.WebsiteId).HasColumnName("website_id");
            e.Property(c => c.Email).HasColumnName("email");
            e.Property(c => c.Name).HasColumnName("name");
            e.HasOne<Website>().WithMany().HasForeignKey(c => c.WebsiteId);
            e.HasTenantKey(c => c.WebsiteId);
            e.HasTenantUniqueIndex(c => c.Email).HasDatabaseName("contacts_website_email");
        });
        modelBuilder.Entity<Message>(e =>
        {
            e.ToTable("messages");
            e.HasKey(m => new { m.WebsiteId, m.Id });
            e.Property(m => m.Id).HasColumnName("id").UseIdentityByDefaultColumn();
            e.Property(m => m.WebsiteId).HasColumnName("website_id");
            e.Property(m => m.ContactId).HasColumnName("contact_id");
            e.Property(m => m.Body).HasColumnName("body");
            e.Property(m => m.SentAt).HasColumnName("sent_at");
            e.HasOne<Website>().WithMany().HasForeignKey(m => m.WebsiteId);
            e.HasOne<Contact>().WithMany().HasForeignKey(m => new { m.WebsiteId, m.ContactId });
            e.HasTenantKey(m => m.WebsiteId);
        });
    }
}
