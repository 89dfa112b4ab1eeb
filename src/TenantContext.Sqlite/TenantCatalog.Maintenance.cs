using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>Maintenance of one tenant's file: backup and restore from a backup, integrity check, vacuum, stats.</summary>
public sealed partial class TenantCatalog
{
    /// <summary>
    /// Copies a tenant's database to <paramref name="destination"/> with SQLite's online backup (a consistent snapshot, taken while
    /// the tenant stays in use). The copy is written to a temporary file, fsynced, renamed into place (replacing an older backup)
    /// and its folder fsynced, so a backup that returned survives a power loss.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="destination">The backup file to write.</param>
    /// <param name="cancellationToken">Cancels before the copy starts.</param>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task BackupAsync(string tenant, string destination, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var target = System.IO.Path.GetFullPath(destination);
        return Run(_ =>
        {
            Backup(ExistingFile(slug), target);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Puts a catalogued tenant's data back from a backup file (one <see cref="BackupAsync"/> wrote, or any SQLite database).
    /// The backup is read first and never changed: it must pass <c>PRAGMA integrity_check</c>, and its schema version must not
    /// be newer than this application's migrations (<see cref="SqliteTenantDatabases.LatestVersion"/>; a router configured with
    /// no migrations at all, a tool that does not know the application's schema, does not judge versions). Then:
    /// <list type="bullet">
    /// <item><description>The tenant's file is missing (lost in a crash, removed by hand): the <c>-wal</c>, <c>-journal</c> and
    /// <c>-shm</c> it left are deleted first (a stale log is never replayed into the restored file), the backup is copied to a
    /// temporary file beside it, flushed to disk, published under the tenant's name (never over a file that appeared
    /// meanwhile) and the folder flushed, so a restore that returned survives a power loss.</description></item>
    /// <item><description>The tenant's file exists: its data is replaced only when <paramref name="replace"/> is true, with SQLite's
    /// online backup into the live database (one write transaction: connections see the old data or the new, never a mix).</description></item>
    /// <item><description>The tenant's file exists but is not a usable database (damaged: <see cref="CheckAsync"/> reports it), and
    /// <paramref name="replace"/> is true: it is moved aside, never deleted, to <c>{file}.damaged-{UTC time}</c> (with its
    /// <c>-wal</c> or <c>-journal</c>), then the backup is put in place as for a missing file.</description></item>
    /// </list>
    /// Every process's router checks the tenant again on its next open, and migrates a backup older than the code. A restore
    /// never creates a tenant: create it first (<see cref="CreateAsync"/>), then restore with <paramref name="replace"/>.
    /// </summary>
    /// <param name="tenant">The catalogued tenant's slug.</param>
    /// <param name="backupFile">The backup to restore from.</param>
    /// <param name="replace">Whether an existing database may be replaced (its current data is lost: back it up first).</param>
    /// <param name="cancellationToken">Cancels before the copy starts; a copy that has started finishes.</param>
    /// <returns>The restored tenant's stats (its schema version is the backup's).</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not in the catalog (or is being created or deleted).</exception>
    /// <exception cref="FileNotFoundException">The backup file does not exist.</exception>
    /// <exception cref="InvalidDataException">The backup is not a sound SQLite database; nothing was changed.</exception>
    /// <exception cref="TenantDatabaseVersionException">The backup is newer than this application's migrations; nothing was changed.</exception>
    /// <exception cref="TenantDatabaseException">The tenant's database exists and <paramref name="replace"/> is false, or a file appeared
    /// under its name while the backup was being put in place; nothing was changed.</exception>
    public Task<TenantStats> RestoreBackupAsync(string tenant, string backupFile, bool replace = false, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(backupFile);
        var source = System.IO.Path.GetFullPath(backupFile);
        var path = _router.GetDatabasePath(slug);
        _router.RefuseReserved(slug, path);
        return Run(_ =>
        {
            if (Find(slug) is null)
            {
                throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound,
                    $"Tenant '{slug}' is not in the catalog ({Path}), so there is nothing to restore into; nothing was changed. Check the name " +
                    $"(ListAsync), or create the tenant first with CreateAsync(\"{slug}\") and restore into it with replace: true.");
            }

            int version = CheckBackup(slug, source);
            if (File.Exists(path))
            {
                if (!replace)
                {
                    throw new TenantDatabaseException(slug, path,
                        $"Tenant '{slug}' has its database ({path}): restoring {source} would replace all of its data, and replace was not given. " +
                        "Nothing was changed. Back the tenant up first (BackupAsync), then restore with replace: true.");
                }

                if (IsDamaged(path))
                {
                    SetAside(slug, path); // the online backup cannot write into a file that is not a database
                    PutInPlace(slug, source, path);
                }
                else
                {
                    CopyInto(slug, source, path);
                }
            }
            else
            {
                PutInPlace(slug, source, path);
            }

            _router.Changed(slug, releasePool: true); // every router checks (and migrates) the restored file on its next open
            return Stats(slug, path);
        }, cancellationToken);
    }

    /// <summary>Runs <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c> on a tenant's database (read-only).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the check starts.</param>
    /// <returns>What the checks found; a file that is not a database is reported as an integrity error.</returns>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task<TenantCheckResult> CheckAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ => Check(slug, ExistingFile(slug)), cancellationToken);
    }

    /// <summary>Rebuilds a tenant's database with <c>VACUUM</c>, returning free pages to the file system.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the vacuum starts.</param>
    /// <returns>The stats after the vacuum.</returns>
    public Task<TenantStats> VacuumAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ =>
        {
            var path = ExistingFile(slug);
            using (var connection = _router.OpenConnection(slug))
            {
                SqliteConnections.Execute(connection, null, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
            }

            return Stats(slug, path);
        }, cancellationToken);
    }

    /// <summary>Reads a tenant's size (database plus log), schema version and last write time, without changing anything.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the reading starts.</param>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task<TenantStats> StatsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ => Stats(slug, ExistingFile(slug)), cancellationToken);
    }

    private void Backup(string source, string destination)
    {
        var folder = System.IO.Path.GetDirectoryName(destination)!;
        DurableFiles.CreateDirectory(folder);
        var temporary = destination + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var from = SqliteConnections.OpenUnpooled(source, SqliteOpenMode.ReadOnly, _router.BusyTimeoutMilliseconds))
            using (var to = new SqliteConnection(SqliteConnections.ConnectionString(temporary, SqliteOpenMode.ReadWriteCreate, pooling: false)))
            {
                to.Open();
                from.BackupDatabase(to);
                if (_router.JournalMode != SqliteJournalMode.Wal)
                {
                    SqliteConnections.Execute(to, null, "PRAGMA journal_mode = DELETE;");
                }
            }

            DurableFiles.FlushFile(temporary);
            File.Move(temporary, destination, overwrite: true); // a backup replaces the older one at once (rename is atomic)
            DurableFiles.FlushDirectory(folder);
        }
        finally
        {
            DurableFiles.DeleteTemporary(temporary);
        }
    }

    /// <summary>Reads a backup without changing it: a sound SQLite database at a version this application knows. Returns that version.</summary>
    private int CheckBackup(string slug, string source)
    {
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"The backup {source} does not exist; nothing was restored. Pass a file BackupAsync wrote.", source);
        }

        int version;
        try
        {
            using var connection = SqliteConnections.OpenUnpooled(source, SqliteOpenMode.ReadOnly, _router.BusyTimeoutMilliseconds);
            var integrity = Convert.ToString(SqliteConnections.Scalar(connection, null, "PRAGMA integrity_check;"), CultureInfo.InvariantCulture);
            if (!string.Equals(integrity, "ok", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"The backup {source} fails SQLite's integrity check ({integrity}); nothing was restored. Use another backup.");
            }

            version = SqliteConnections.ReadVersion(connection, null);
        }
        catch (SqliteException ex)
        {
            throw new InvalidDataException($"The backup {source} is not a readable SQLite database ({ex.Message}); nothing was restored. Pass a file BackupAsync wrote.", ex);
        }

        if (version > _router.LatestVersion && _router.Migrations.Count > 0)
        {
            throw new TenantDatabaseVersionException(slug, source, version, _router.LatestVersion);
        }

        return version;
    }

    /// <summary>SQLite's online backup from the backup file into the tenant's live database: one write transaction, readers see old or new.</summary>
    private void CopyInto(string slug, string source, string path)
    {
        _router.Release(slug);
        using var from = SqliteConnections.OpenUnpooled(source, SqliteOpenMode.ReadOnly, _router.BusyTimeoutMilliseconds);
        using var to = SqliteConnections.OpenUnpooled(path, SqliteOpenMode.ReadWrite, _router.BusyTimeoutMilliseconds);
        from.BackupDatabase(to);
    }

    /// <summary>Whether a tenant's file is not a usable SQLite database (its header or first page cannot be read).</summary>
    private bool IsDamaged(string path)
    {
        try
        {
            using var connection = SqliteConnections.OpenUnpooled(path, SqliteOpenMode.ReadWrite, _router.BusyTimeoutMilliseconds);
            SqliteConnections.Scalar(connection, null, "SELECT count(*) FROM sqlite_schema;");
            return false;
        }
        catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
        {
            return true;
        }
    }

    /// <summary>
    /// Moves a damaged tenant file aside, never deleting it (what can be recovered from it still can be): its log first (a
    /// crash in between leaves the log beside the aside name or the file, never lost), then the file; the folder is flushed.
    /// </summary>
    private void SetAside(string slug, string path)
    {
        _router.Release(slug);
        var aside = path + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        if (File.Exists(aside))
        {
            aside += "-" + Guid.NewGuid().ToString("N")[..8];
        }

        foreach (var log in (string[])["-wal", "-journal"])
        {
            if (File.Exists(path + log))
            {
                File.Move(path + log, aside + log);
            }
        }

        DurableFiles.Delete(path + "-shm");
        File.Move(path, aside);
        DurableFiles.FlushDirectory(System.IO.Path.GetDirectoryName(path)!);
    }

    /// <summary>
    /// A catalogued tenant whose file is missing: its stale companions go first, the backup is copied aside (no journal, no
    /// fsync while copying), flushed once, published without replacing anything and its folder flushed. Interrupted, it leaves
    /// the tenant as it was (no file) and, at most, a temporary file that is never opened as a tenant.
    /// </summary>
    private void PutInPlace(string slug, string source, string path)
    {
        _router.Release(slug);
        foreach (var stale in DurableFiles.CompanionsFirst(path)[..^1])
        {
            DurableFiles.Delete(stale);
        }

        DurableFiles.CreateDirectory(System.IO.Path.GetDirectoryName(path)!); // a per-tenant folder (wikis/{tenant}/wiki.db) may be gone too
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var from = SqliteConnections.OpenUnpooled(source, SqliteOpenMode.ReadOnly, _router.BusyTimeoutMilliseconds))
            using (var to = new SqliteConnection(SqliteConnections.ConnectionString(temporary, SqliteOpenMode.ReadWriteCreate, pooling: false)))
            {
                to.Open();
                SqliteConnections.Execute(to, null, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;");
                from.BackupDatabase(to);
                SqliteConnections.Execute(to, null, _router.JournalMode == SqliteJournalMode.Wal ? "PRAGMA journal_mode = WAL;" : "PRAGMA journal_mode = DELETE;");
            }

            DurableFiles.FlushFile(temporary);
            if (!DurableFiles.PublishWithoutReplacing(temporary, path)) // flushes the folder once the name is there
            {
                throw new TenantDatabaseException(slug, path,
                    $"{path} appeared while the backup of tenant '{slug}' was being put in place (the application or another tool created it); it was " +
                    "left as it is. Check it (CheckAsync), then restore with replace: true to replace it.");
            }
        }
        finally
        {
            DurableFiles.DeleteTemporary(temporary);
        }
    }

    private static TenantCheckResult Check(string slug, string path)
    {
        var integrity = new List<string>();
        var foreignKeys = new List<string>();
        try
        {
            using var connection = new SqliteConnection(SqliteConnections.ConnectionString(path, SqliteOpenMode.ReadOnly, pooling: false));
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA integrity_check;";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var line = reader.GetString(0);
                    if (!string.Equals(line, "ok", StringComparison.Ordinal))
                    {
                        integrity.Add(line);
                    }
                }
            }

            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA foreign_key_check;";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    foreignKeys.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{reader.GetString(0)} row {(reader.IsDBNull(1) ? "?" : reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))} references a missing row in {reader.GetString(2)}"));
                }
            }
        }
        catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
        {
            integrity.Add($"not a usable SQLite database: {ex.Message}");
        }

        return new TenantCheckResult(slug, integrity, foreignKeys);
    }

    private static TenantStats Stats(string slug, string path)
    {
        int version;
        using (var connection = new SqliteConnection(SqliteConnections.ConnectionString(path, SqliteOpenMode.ReadOnly, pooling: false)))
        {
            connection.Open();
            try
            {
                version = SqliteConnections.ReadVersion(connection, null);
            }
            catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
            {
                throw new TenantDatabaseCorruptException(slug, path, ex);
            }
        }

        var database = new FileInfo(path);
        var log = new FileInfo(path + "-wal");
        long size = database.Length + (log.Exists ? log.Length : 0);
        var lastWrite = log.Exists && log.LastWriteTimeUtc > database.LastWriteTimeUtc ? log.LastWriteTimeUtc : database.LastWriteTimeUtc;
        return new TenantStats(slug, path, size, version, new DateTimeOffset(lastWrite, TimeSpan.Zero));
    }
}
