using Tenancy;
using Tenancy.Npgsql;

namespace SiteBuilder;

/// <summary>Creating a website: a catalog record (its key is the website's id), then its row and home page in its scope.</summary>
public static class Websites
{
    /// <summary>
    /// Creates <paramref name="slug"/> on <paramref name="shard"/> (the default shard when null) with the rows placement:
    /// the catalog gives it a key that no other website ever gets, and its first rows are written inside its own scope,
    /// where row-level security accepts exactly that key. The configuration must be active on this flow (a request,
    /// <c>TenantContextHost.Activate()</c>, or the host's configuration being the process-wide one).
    /// </summary>
    /// <exception cref="TenantAlreadyExistsException">A website of that name exists.</exception>
    public static async Task<PostgresTenantRecord> CreateAsync(string slug, string title, string? shard, CancellationToken cancellationToken)
    {
        var catalog = TenantContext.Configuration.GetPostgres().Catalog;
        var record = await catalog.CreateAsync(slug, shard, PostgresIsolation.Rows, cancellationToken: cancellationToken);
        try
        {
            await using (TenantContext.Enter(slug))
            {
                await WriteFirstRowsAsync(record, title, cancellationToken);
            }
        }
        catch
        {
            await catalog.DeleteAsync(slug, CancellationToken.None); // nothing half-made stays catalogued
            throw;
        }

        return record;
    }

    [RequiresTenant]
    private static async Task WriteFirstRowsAsync(PostgresTenantRecord record, string title, CancellationToken cancellationToken)
    {
        await using var db = await TenantContext.Configuration.GetDbContexts<SiteContext>().CreateAsync(cancellationToken);
        db.Websites.Add(new Website { Id = record.Key, Slug = record.Slug, Title = title });
        db.Pages.Add(new Page { Slug = "home", Title = title, Body = $"Welcome to {title}.", UpdatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Adds a page to the current website (the seed's).</summary>
    [RequiresTenant]
    public static async Task AddPageAsync(string slug, string title, string body, CancellationToken cancellationToken)
    {
        await using var db = await TenantContext.Configuration.GetDbContexts<SiteContext>().CreateAsync(cancellationToken);
        db.Pages.Add(new Page { Slug = slug, Title = title, Body = body, UpdatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
    }
}
