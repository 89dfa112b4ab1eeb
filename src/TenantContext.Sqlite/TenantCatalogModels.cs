namespace Tenancy.Sqlite;

/// <summary>The size, version and last write of a tenant's database.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="Path">Its database file.</param>
/// <param name="SizeBytes">The database file plus its write-ahead log, in bytes.</param>
/// <param name="Version">Its <c>PRAGMA user_version</c>.</param>
/// <param name="LastWrite">The latest modification time of the file or its log (UTC).</param>
public sealed record TenantStats(string Slug, string Path, long SizeBytes, int Version, DateTimeOffset LastWrite);

/// <summary>The result of <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c> on a tenant's database.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="IntegrityErrors">The lines <c>integrity_check</c> reported other than <c>ok</c> (empty when sound).</param>
/// <param name="ForeignKeyViolations">One line per row whose foreign key points nowhere (table, rowid, parent table).</param>
public sealed record TenantCheckResult(string Slug, IReadOnlyList<string> IntegrityErrors, IReadOnlyList<string> ForeignKeyViolations)
{
    /// <summary>True when both checks found nothing.</summary>
    public bool IsHealthy => IntegrityErrors.Count == 0 && ForeignKeyViolations.Count == 0;
}

/// <summary>What happened to one tenant in <see cref="TenantCatalog.SplitSharedDatabaseAsync"/>.</summary>
public enum TenantSplitOutcome
{
    /// <summary>Dry run: the file would be created.</summary>
    WouldCreate,

    /// <summary>The file was created, verified and catalogued.</summary>
    Created,

    /// <summary>The file already existed with the same row counts (an earlier, interrupted run made it); it was catalogued.</summary>
    AlreadyPresent,

    /// <summary>Nothing was put in place; see <see cref="TenantSplitResult.Error"/>.</summary>
    Failed,
}

/// <summary>One tenant of a split.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="Path">Its database file.</param>
/// <param name="RowCounts">Rows per table in the source (and, unless failed, verified equal in the tenant's file).</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Error">Why it failed, or null.</param>
public sealed record TenantSplitResult(string Slug, string Path, IReadOnlyDictionary<string, long> RowCounts, TenantSplitOutcome Outcome, string? Error);

/// <summary>Progress of <see cref="TenantCatalog.SplitSharedDatabaseAsync"/>, reported after each tenant.</summary>
/// <param name="Completed">Tenants done so far.</param>
/// <param name="Total">Tenants found in the source.</param>
/// <param name="Last">The tenant just done.</param>
public sealed record TenantSplitProgress(int Completed, int Total, TenantSplitResult Last);

/// <summary>The report of <see cref="TenantCatalog.SplitSharedDatabaseAsync"/>.</summary>
/// <param name="DryRun">Whether nothing was created.</param>
/// <param name="SourceVersion">The source's <c>user_version</c>, given to every tenant file.</param>
/// <param name="Tenants">One result per tenant value found, in slug order.</param>
/// <param name="InvalidTenantValues">Values of the tenant column that are not valid slugs (their rows were not copied).</param>
/// <param name="RowsWithoutTenant">Rows whose tenant column is NULL (not copied).</param>
public sealed record TenantSplitReport(bool DryRun, int SourceVersion, IReadOnlyList<TenantSplitResult> Tenants, IReadOnlyList<string> InvalidTenantValues, long RowsWithoutTenant)
{
    /// <summary>True when every tenant was created, already present, or (dry run) would be created, and no row was left out.</summary>
    public bool Succeeded => InvalidTenantValues.Count == 0 && RowsWithoutTenant == 0 && Tenants.All(t => t.Outcome != TenantSplitOutcome.Failed);
}
