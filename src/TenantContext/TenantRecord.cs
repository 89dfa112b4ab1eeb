namespace Tenancy;

/// <summary>Whether a catalogued tenant can be entered.</summary>
public enum TenantState
{
    /// <summary>The tenant can be entered.</summary>
    Active,

    /// <summary>The tenant is kept but cannot be entered until restored.</summary>
    Archived,
}

/// <summary>A tenant as the catalog records it (also <see cref="TenantInfo.Record"/> when the configuration has a catalog). Catalogs may derive from it to add what only they know (a PostgreSQL placement, say).</summary>
/// <param name="Slug">The tenant's slug.</param>
/// <param name="State">Whether it can be entered.</param>
/// <param name="CreatedAt">When it was catalogued.</param>
/// <param name="ArchivedAt">When it was archived, if it is.</param>
/// <param name="Template">The tenant it was copied from, if any.</param>
public record TenantRecord(string Slug, TenantState State, DateTimeOffset CreatedAt, DateTimeOffset? ArchivedAt, string? Template);

/// <summary>What <see cref="ITenantCatalog.MigrateAllAsync"/> did (or, in a dry run, would do) to one tenant.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="FromVersion">Its version before.</param>
/// <param name="ToVersion">Its version after (in a dry run: the version it would reach).</param>
/// <param name="Duration">Time spent on it.</param>
/// <param name="Error">The failure, or null on success. A failed tenant keeps the version of its last successful step.</param>
public sealed record TenantMigrationResult(string Slug, int FromVersion, int ToVersion, TimeSpan Duration, Exception? Error)
{
    /// <summary>True when the tenant is (or in a dry run would be) at the latest version.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>Progress of <see cref="ITenantCatalog.MigrateAllAsync"/>, reported after each tenant.</summary>
/// <param name="Completed">Tenants done so far (succeeded or failed).</param>
/// <param name="Total">Tenants to do.</param>
/// <param name="Failed">Tenants failed so far.</param>
/// <param name="Last">The tenant just done.</param>
public sealed record TenantMigrationProgress(int Completed, int Total, int Failed, TenantMigrationResult Last);

/// <summary>The report of <see cref="ITenantCatalog.MigrateAllAsync"/>: one result per catalogued tenant, in slug order.</summary>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="TargetVersion">The version every tenant should reach (the highest version of the migrations).</param>
/// <param name="Results">One result per tenant.</param>
/// <param name="Duration">Wall time of the run.</param>
public sealed record TenantMigrationReport(bool DryRun, int TargetVersion, IReadOnlyList<TenantMigrationResult> Results, TimeSpan Duration)
{
    /// <summary>Tenants that succeeded.</summary>
    public int Succeeded => Results.Count(r => r.Succeeded);

    /// <summary>Tenants that failed (re-run after fixing the cause: finished steps are not repeated).</summary>
    public int Failed => Results.Count(r => !r.Succeeded);
}

