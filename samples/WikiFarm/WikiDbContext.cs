using Microsoft.EntityFrameworkCore;

namespace WikiFarm;

/// <summary>
/// One wiki's own database through EF Core: the four tables of the original design. Registered with
/// <c>b.AddDbContext&lt;WikiDbContext&gt;(o =&gt; o.UseSqlite())</c> in <c>Program.cs</c>: each request's scope gets a pooled instance bound to
/// that wiki's SQLite file (<c>data/wikis/{wiki}/wiki.db</c>), and the tables are created the first time a wiki is used.
/// There is no tenant column anywhere: the file is the wiki.
/// </summary>
public sealed class WikiDbContext(DbContextOptions<WikiDbContext> options) : DbContext(options)
{
    /// <summary>The wiki's preferences, as key/value rows (<c>site_name</c>, <c>allowed_tags</c>).</summary>
    public DbSet<Preference> Preferences => Set<Preference>();

    /// <summary>Drafts users saved without publishing, one per page and user.</summary>
    public DbSet<Draft> Drafts => Set<Draft>();

    /// <summary>The users who edited this wiki.</summary>
    public DbSet<WikiUser> Users => Set<WikiUser>();

    /// <summary>Rendered HTML per page revision and rendering rules (emptied when the preferences change).</summary>
    public DbSet<CacheEntry> CacheEntries => Set<CacheEntry>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Preference>().HasKey(p => p.Key);
        modelBuilder.Entity<Draft>().HasKey(d => new { d.Page, d.User });
        modelBuilder.Entity<WikiUser>().HasKey(u => u.Name);
        modelBuilder.Entity<CacheEntry>().HasKey(c => new { c.Page, c.Revision });
    }
}

/// <summary>One preference of a wiki.</summary>
public sealed class Preference
{
    /// <summary>The preference's name.</summary>
    public required string Key { get; set; }

    /// <summary>Its value.</summary>
    public required string Value { get; set; }
}

/// <summary>A draft a user saved without publishing.</summary>
public sealed class Draft
{
    /// <summary>The page.</summary>
    public required string Page { get; set; }

    /// <summary>The user who saved it.</summary>
    public required string User { get; set; }

    /// <summary>The Markdown text.</summary>
    public required string Text { get; set; }

    /// <summary>When it was saved.</summary>
    public DateTimeOffset SavedAt { get; set; }
}

/// <summary>A user as this wiki knows them (first and last edit).</summary>
public sealed class WikiUser
{
    /// <summary>The user's name (as the farm knows them).</summary>
    public required string Name { get; set; }

    /// <summary>The e-mail address of their last edit.</summary>
    public required string Email { get; set; }

    /// <summary>Their first edit of this wiki.</summary>
    public DateTimeOffset FirstSeen { get; set; }

    /// <summary>Their last edit of this wiki.</summary>
    public DateTimeOffset LastSeen { get; set; }
}

/// <summary>The rendered HTML of one revision of a page.</summary>
public sealed class CacheEntry
{
    /// <summary>The page.</summary>
    public required string Page { get; set; }

    /// <summary>The git revision rendered and the fingerprint of the rules it was rendered under (<c>{commit}/{fingerprint}</c>).</summary>
    public required string Revision { get; set; }

    /// <summary>The sanitized HTML.</summary>
    public required string Html { get; set; }
}
