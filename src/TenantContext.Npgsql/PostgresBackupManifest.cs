namespace Tenancy.Npgsql;

/// <summary>
/// What a tenant backup holds (<see cref="PostgresTenantCatalog.BackupAsync"/>): written as <c>manifest.json</c>, the last
/// entry of the backup, a ZIP file whose other entries are the tables' rows in PostgreSQL's binary COPY format
/// (<c>tables/0001.bin</c>, …). The schema is not in the file: it comes from the app's migrations, up to <see cref="Version"/>,
/// which the manifest names step by step so a restore can check it is given the same ones.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="FormatVersion">The file layout's version (<see cref="CurrentFormatVersion"/> when written by this version).</param>
/// <param name="Tenant">The tenant that was backed up.</param>
/// <param name="Isolation">Its isolation: a restore makes a tenant of the same kind.</param>
/// <param name="Shard">The shard it lived on.</param>
/// <param name="Version">Its schema version (its own <c>tenancy_migrations</c>) at the backup's snapshot.</param>
/// <param name="Migrations">The steps it had applied, by version and name.</param>
/// <param name="CreatedAt">When the snapshot was taken.</param>
/// <param name="ServerVersion">The PostgreSQL server it came from.</param>
/// <param name="Tables">Each table's entry, columns, row count and hashes, referenced tables first.</param>
/// <param name="Sequences">Each sequence's last value (a rows tenant's are its shard's shared ones: a restore only raises them).</param>
public sealed record PostgresBackupManifest(
    string Format,
    int FormatVersion,
    string Tenant,
    PostgresIsolation Isolation,
    string Shard,
    int Version,
    IReadOnlyList<PostgresBackupStep> Migrations,
    DateTimeOffset CreatedAt,
    string ServerVersion,
    IReadOnlyList<PostgresBackupTable> Tables,
    IReadOnlyList<PostgresBackupSequence> Sequences)
{
    /// <summary>The <see cref="Format"/> of every TenantContext PostgreSQL backup.</summary>
    public const string FormatName = "tenantcontext-postgres-tenant-backup";

    /// <summary>The layout this version writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The name of the manifest's entry in the file.</summary>
    public const string EntryName = "manifest.json";

    /// <summary>The total number of rows in the backup.</summary>
    public long Rows => Tables.Sum(t => t.Rows);
}

/// <summary>A migration step a backed-up tenant had applied.</summary>
/// <param name="Version">The step's version.</param>
/// <param name="Name">The step's name.</param>
public sealed record PostgresBackupStep(int Version, string Name);

/// <summary>One table of a backup.</summary>
/// <param name="Name">The table's name (in the tenant's schema, or <c>public</c>).</param>
/// <param name="Entry">The file's entry holding its rows (binary COPY).</param>
/// <param name="Columns">The columns copied, in order (generated columns are recomputed, not copied).</param>
/// <param name="Types">Each column's type, as <c>format_type</c> names it: a restore refuses a table whose types differ.</param>
/// <param name="TenantColumn">For a rows tenant, the column holding the tenant's key or slug (rewritten for the restored tenant and left out of <paramref name="Hash"/>); null otherwise.</param>
/// <param name="Rows">The number of rows.</param>
/// <param name="Hash">The rows' ordered hash: md5 over the sorted md5s of each row's text (independent of physical order).</param>
/// <param name="Bytes">The entry's size, uncompressed.</param>
/// <param name="Sha256">The SHA-256 of the entry's bytes: a damaged file is refused before anything is restored.</param>
public sealed record PostgresBackupTable(
    string Name, string Entry, IReadOnlyList<string> Columns, IReadOnlyList<string> Types, string? TenantColumn, long Rows, string Hash, long Bytes, string Sha256);

/// <summary>A sequence of a backup.</summary>
/// <param name="Name">The sequence's name.</param>
/// <param name="LastValue">Its last value, or null when never used.</param>
public sealed record PostgresBackupSequence(string Name, long? LastValue);

/// <summary>What <see cref="PostgresTenantCatalog.RestoreBackupAsync"/> did.</summary>
/// <param name="Tenant">The restored tenant's record (at the code's latest version: steps after the backup's ran on its rows).</param>
/// <param name="Backup">The backup's manifest.</param>
/// <param name="Replaced">Whether an existing tenant's data was replaced (else the tenant was created).</param>
public sealed record PostgresRestoreReport(PostgresTenantRecord Tenant, PostgresBackupManifest Backup, bool Replaced);

/// <summary>
/// A backup file cannot be restored: it is damaged or truncated (a checksum or the ZIP structure), was not written by
/// <see cref="PostgresTenantCatalog.BackupAsync"/>, or does not fit the code (newer migrations, other step names, other
/// columns). Nothing was created or changed.
/// </summary>
public sealed class PostgresBackupException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant being restored.</param>
    /// <param name="message">What is wrong with the file and what to do.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public PostgresBackupException(string slug, string message, Exception? innerException = null)
        : base(slug, message, innerException)
    {
    }
}

/// <summary>
/// The restored rows differ from what the backup recorded (a table's row count or hash): the restore was rolled back and
/// nothing changed. A migration step or trigger that alters rows as they are inserted is the usual cause.
/// </summary>
public sealed class PostgresBackupVerificationException : PostgresTenantException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slug">The tenant being restored.</param>
    /// <param name="table">The table that differs.</param>
    /// <param name="detail">Counts and hashes on both sides.</param>
    public PostgresBackupVerificationException(string slug, string table, string detail)
        : base(slug,
            $"Restoring tenant '{slug}' stopped: table \"{table}\" differs from the backup ({detail}). Everything was rolled back: nothing was " +
            "created or changed. A trigger or migration step that alters rows as they arrive is the usual cause: check the migrations, then restore again.")
    {
        Table = table;
    }

    /// <summary>The table that differs.</summary>
    public string Table { get; }
}
