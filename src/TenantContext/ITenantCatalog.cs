namespace Tenancy;

/// <summary>
/// The lifecycle verbs every tenant store shares: the SQLite catalog (<c>configuration.GetSqlite().Catalog</c>) and the
/// PostgreSQL catalog (<c>configuration.GetPostgres().Catalog</c>) implement it, and tools that must work on any store
/// (<c>tenantctl</c>, the ASP.NET Core middleware, admin pages) are written against it. Reach the configuration's
/// catalog with <see cref="TenantConfiguration.Catalog"/>.
/// </summary>
/// <remarks>
/// Every method validates slugs with <see cref="TenantSlug"/> before touching the store. A deleted tenant leaves nothing
/// a later tenant of the same name could inherit; an archived tenant cannot be entered by any process.
/// </remarks>
public interface ITenantCatalog
{
    /// <summary>Looks a tenant up.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    /// <returns>The record, or null when the tenant is not catalogued.</returns>
    /// <exception cref="InvalidTenantSlugException"><paramref name="tenant"/> is not a valid slug.</exception>
    Task<TenantRecord?> GetAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>Lists catalogued tenants in slug order.</summary>
    /// <param name="includeArchived">Whether archived tenants are listed too (true by default).</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    Task<IReadOnlyList<TenantRecord>> ListAsync(bool includeArchived = true, CancellationToken cancellationToken = default);

    /// <summary>Creates a tenant at the latest schema version, empty or as a copy of <paramref name="fromTemplate"/>.</summary>
    /// <param name="tenant">The new tenant's slug.</param>
    /// <param name="fromTemplate">A tenant whose data is copied, or null for an empty tenant.</param>
    /// <param name="cancellationToken">Cancels the creation; nothing half-made is left catalogued.</param>
    /// <returns>The new record.</returns>
    /// <exception cref="TenantAlreadyExistsException">The tenant exists already (or something of it is left over: delete it first).</exception>
    /// <exception cref="TenantUnavailableException">The template does not exist.</exception>
    Task<TenantRecord> CreateAsync(string tenant, string? fromTemplate = null, CancellationToken cancellationToken = default);

    /// <summary>Archives a tenant: from now on no process can enter it, until <see cref="RestoreAsync"/>. Its data is kept.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    Task<TenantRecord> ArchiveAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>Restores an archived tenant so it can be entered again.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    Task<TenantRecord> RestoreAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a tenant for good: its data first, its record last, so an interrupted delete can be re-run and a later
    /// tenant of the same name inherits nothing.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels the delete (re-run it to finish).</param>
    /// <returns>Whether there was anything to delete.</returns>
    Task<bool> DeleteAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Brings every catalogued tenant to the latest version, <paramref name="parallelism"/> at a time; a failing tenant is
    /// reported and the run goes on, and a re-run resumes where each tenant stopped.
    /// </summary>
    /// <param name="parallelism">Tenants migrated at once; 0 for the store's default.</param>
    /// <param name="dryRun">Only read each tenant's version and report what would be done.</param>
    /// <param name="progress">Receives a report after each tenant.</param>
    /// <param name="cancellationToken">Stops starting new tenants and new steps; finished steps stay.</param>
    /// <returns>One result per tenant, in slug order.</returns>
    Task<TenantMigrationReport> MigrateAllAsync(int parallelism = 0, bool dryRun = false, IProgress<TenantMigrationProgress>? progress = null, CancellationToken cancellationToken = default);
}
