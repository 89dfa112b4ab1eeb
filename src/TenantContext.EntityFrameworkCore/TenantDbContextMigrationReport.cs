namespace Tenancy.EntityFrameworkCore;

/// <summary>The outcome of migrating one tenant's database with <c>MigrateAllTenantsAsync</c>.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="AppliedMigrations">The migrations applied now (empty when the tenant was up to date; <c>(EnsureCreated)</c> when a context without migrations created its tables).</param>
/// <param name="Duration">How long the tenant took.</param>
/// <param name="Error">Why it failed, or null.</param>
public sealed record TenantDbContextMigrationResult(string Slug, IReadOnlyList<string> AppliedMigrations, TimeSpan Duration, Exception? Error)
{
    /// <summary>Whether the tenant's database is now up to date.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>Progress of <c>MigrateAllTenantsAsync</c>, reported after each tenant.</summary>
/// <param name="Completed">Tenants done so far (succeeded or failed).</param>
/// <param name="Total">Tenants to do.</param>
/// <param name="Failed">Tenants that failed so far.</param>
/// <param name="Last">The tenant just finished.</param>
public sealed record TenantDbContextMigrationProgress(int Completed, int Total, int Failed, TenantDbContextMigrationResult Last);

/// <summary>The per-tenant report of <c>MigrateAllTenantsAsync</c>, in the order the tenants were given.</summary>
/// <param name="Results">One result per tenant.</param>
/// <param name="Duration">The whole run.</param>
public sealed record TenantDbContextMigrationReport(IReadOnlyList<TenantDbContextMigrationResult> Results, TimeSpan Duration)
{
    /// <summary>How many tenants are up to date.</summary>
    public int Succeeded => Results.Count(r => r.Succeeded);

    /// <summary>How many tenants failed (see each result's <see cref="TenantDbContextMigrationResult.Error"/>).</summary>
    public int Failed => Results.Count(r => !r.Succeeded);
}
