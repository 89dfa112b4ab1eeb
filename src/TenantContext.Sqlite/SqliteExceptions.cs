namespace Tenancy.Sqlite;

/// <summary>A tenant's SQLite database could not be used. The message says which tenant, which file, and what to do.</summary>
public class TenantDatabaseException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="path">The tenant's database file.</param>
    /// <param name="message">What went wrong and what to do next.</param>
    /// <param name="innerException">The SQLite or I/O error, if any.</param>
    public TenantDatabaseException(string slug, string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Slug = slug;
        Path = path;
    }

    /// <summary>The tenant.</summary>
    public string Slug { get; }

    /// <summary>The tenant's database file.</summary>
    public string Path { get; }
}

/// <summary>The file is newer than this code: its <c>PRAGMA user_version</c> is above the last migration. It was not opened.</summary>
public sealed class TenantDatabaseVersionException : TenantDatabaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="path">The file.</param>
    /// <param name="fileVersion">The file's <c>user_version</c>.</param>
    /// <param name="supportedVersion">The last migration this code knows.</param>
    public TenantDatabaseVersionException(string slug, string path, int fileVersion, int supportedVersion)
        : base(slug, path,
            $"The database of tenant '{slug}' ({path}) is at schema version {fileVersion}, but this application only knows migrations up to " +
            $"version {supportedVersion}. It was written by a newer release: deploy that release (or one with migrations up to {fileVersion}), " +
            "or restore a backup taken before the upgrade. The file was not opened or changed.")
    {
        FileVersion = fileVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>The file's <c>user_version</c>.</summary>
    public int FileVersion { get; }

    /// <summary>The last migration this code knows.</summary>
    public int SupportedVersion { get; }
}

/// <summary>A migration step failed. Its transaction was rolled back: the file keeps the previous version, and the next open retries.</summary>
public sealed class TenantMigrationException : TenantDatabaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="path">The file.</param>
    /// <param name="step">The step that failed.</param>
    /// <param name="previousVersion">The version the file kept.</param>
    /// <param name="innerException">The SQLite error (or the step's own exception).</param>
    public TenantMigrationException(string slug, string path, SqliteMigration step, int previousVersion, Exception innerException)
        : base(slug, path,
            $"Migrating tenant '{slug}' ({path}) failed at step {step.Version} '{step.Name}': {innerException.Message} " +
            $"The step was rolled back and the database is still at version {previousVersion}. Fix the step (or the data it trips on) " +
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

    /// <summary>The version the file kept.</summary>
    public int PreviousVersion { get; }
}

/// <summary>The tenant's file exists but is not a SQLite database (or is damaged). It was not changed.</summary>
public sealed class TenantDatabaseCorruptException : TenantDatabaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="path">The file.</param>
    /// <param name="innerException">The SQLite error.</param>
    public TenantDatabaseCorruptException(string slug, string path, Exception innerException)
        : base(slug, path,
            $"The file of tenant '{slug}' ({path}) is not a usable SQLite database ({innerException.Message}). It was left untouched. " +
            $"Restore it from a backup with TenantCatalog.RestoreBackupAsync(\"{slug}\", FILE, replace: true) (`tenantctl restore-backup {slug} --from FILE --yes`; " +
            "the damaged file is kept aside; BackupAsync makes backups), or move it aside so the tenant is created anew.",
            innerException)
    {
    }
}

/// <summary>
/// The tenant is catalogued (or was in use) but its database file is missing — lost in a crash or removed by hand. It is
/// never replaced by a new, empty database.
/// </summary>
public sealed class TenantDatabaseMissingException : TenantDatabaseException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant.</param>
    /// <param name="path">The missing file.</param>
    /// <param name="message">What happened and what to do next.</param>
    /// <param name="innerException">The SQLite or I/O error, if any.</param>
    public TenantDatabaseMissingException(string slug, string path, string message, Exception? innerException = null)
        : base(slug, path, message, innerException)
    {
    }

    internal static TenantDatabaseMissingException Catalogued(string slug, string path) => new(slug, path,
        $"Tenant '{slug}' is in the catalog, but its database file {path} is missing (lost in a crash or removed by hand). It was not " +
        $"recreated empty. Restore the file from a backup with TenantCatalog.RestoreBackupAsync(\"{slug}\", FILE) (BackupAsync makes them), or delete the tenant with " +
        $"TenantCatalog.DeleteAsync(\"{slug}\") and create it again.");
}
