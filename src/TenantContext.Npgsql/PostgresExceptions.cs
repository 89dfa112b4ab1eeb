namespace Tenancy.Npgsql;

/// <summary>A tenant's PostgreSQL placement could not be used. The message says which tenant, where, and what to do.</summary>
public class PostgresTenantException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="message">What went wrong and what to do next.</param>
    /// <param name="innerException">The PostgreSQL error, if any.</param>
    public PostgresTenantException(string slug, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Slug = slug;
    }

    /// <summary>The tenant.</summary>
    public string Slug { get; }
}

/// <summary>
/// A new physical connection was not routed where it must be (the tenant's schema missing, a search path or role the
/// server did not apply): it was closed and nothing ran on it. Fail closed: no query can reach another schema.
/// </summary>
public sealed class PostgresRoutingException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="message">What was found and what to do.</param>
    public PostgresRoutingException(string slug, string message) : base(slug, message)
    {
    }
}

/// <summary>The tenant's schema version is newer than this code's last migration. Nothing was opened or changed.</summary>
public sealed class PostgresTenantVersionException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="where">The tenant's schema or database.</param>
    /// <param name="tenantVersion">The tenant's recorded version.</param>
    /// <param name="supportedVersion">The last migration this code knows.</param>
    public PostgresTenantVersionException(string slug, string where, int tenantVersion, int supportedVersion)
        : base(slug,
            $"Tenant '{slug}' ({where}) is at schema version {tenantVersion}, but this application only knows migrations up to version " +
            $"{supportedVersion}. It was migrated by a newer release: deploy that release (or one with migrations up to {tenantVersion}). " +
            "Nothing was opened or changed.")
    {
        TenantVersion = tenantVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>The tenant's recorded version.</summary>
    public int TenantVersion { get; }

    /// <summary>The last migration this code knows.</summary>
    public int SupportedVersion { get; }
}

/// <summary>A migration step failed. Its transaction was rolled back: the tenant keeps the previous version, and the next open retries.</summary>
public sealed class PostgresTenantMigrationException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="where">The tenant's schema or database.</param>
    /// <param name="step">The step that failed.</param>
    /// <param name="previousVersion">The version the tenant kept.</param>
    /// <param name="innerException">PostgreSQL's error (or the step's own exception).</param>
    public PostgresTenantMigrationException(string slug, string where, PostgresMigration step, int previousVersion, Exception innerException)
        : base(slug,
            $"Migrating tenant '{slug}' ({where}) failed at step {step.Version} '{step.Name}': {innerException.Message} " +
            $"The step was rolled back and the tenant is still at version {previousVersion}. Fix the step (or the data it trips on) " +
            "and open the tenant again, or run MigrateAllAsync: the step is retried.",
            innerException)
    {
        Version = step.Version;
        StepName = step.Name;
        PreviousVersion = previousVersion;
    }

    /// <summary>The version of the failed step.</summary>
    public int Version { get; }

    /// <summary>The name of the failed step.</summary>
    public string StepName { get; }

    /// <summary>The version the tenant kept.</summary>
    public int PreviousVersion { get; }
}

/// <summary>A shard's connection budget (<see cref="PostgresTenantOptions.MaxConnectionsPerShard"/>) stayed spent for the whole connection timeout.</summary>
public sealed class PostgresConnectionBudgetException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant that waited.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="budget">The shard's budget.</param>
    /// <param name="waited">How long it waited.</param>
    public PostgresConnectionBudgetException(string slug, string shard, int budget, TimeSpan waited)
        : base(slug,
            $"Tenant '{slug}' waited {waited.TotalSeconds:0.#} s for a connection to shard '{shard}', whose {budget} connections " +
            "(MaxConnectionsPerShard) were all in use. Dispose connections as soon as the work is done, raise MaxConnectionsPerShard " +
            "(within the server's max_connections), or move busy tenants to another shard.")
    {
        Shard = shard;
        Budget = budget;
    }

    /// <summary>The shard.</summary>
    public string Shard { get; }

    /// <summary>The shard's budget.</summary>
    public int Budget { get; }
}

/// <summary>
/// A move's verification found the target different from the source: the switch did not happen. The tenant stays where
/// it was (its writes resume), and the half-built target was dropped. The message names the table, the first key range
/// that differs (<see cref="Range"/>) and both sides' row counts and hashes there.
/// </summary>
public sealed class TenantMoveVerificationException : PostgresTenantException
{
    /// <summary>Creates the exception for a sequence, or a table as a whole.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="table">The table (or sequence) that differs.</param>
    /// <param name="detail">What differs (counts, hashes or values on both sides).</param>
    public TenantMoveVerificationException(string slug, string table, string detail)
        : this(slug, table, null, detail)
    {
    }

    /// <summary>Creates the exception for a key range of a table.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="table">The table that differs.</param>
    /// <param name="range">The first key range that differs (e.g. <c>id [2001, 4001)</c>), or null for a sequence.</param>
    /// <param name="detail">What differs (counts and hashes on both sides).</param>
    public TenantMoveVerificationException(string slug, string table, string? range, string detail)
        : base(slug,
            $"Moving tenant '{slug}' stopped before the switch: \"{table}\" differs between source and target{(range is null ? "" : " in key range " + range)} ({detail}). " +
            "The tenant still lives where it was, untouched; the target was dropped. Something wrote to the target during the copy, or a migration step " +
            "inserts different rows on the target's server: check the target's migrations, then run the move again.")
    {
        Table = table;
        Range = range;
    }

    /// <summary>The table (or sequence) that differs.</summary>
    public string Table { get; }

    /// <summary>The first key range of <see cref="Table"/> that differs (its key column and bounds, e.g. <c>id [2001, 4001)</c>), or null for a sequence.</summary>
    public string? Range { get; }
}
