using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>Creates a tenant file if needed and brings it to the latest version, one <c>BEGIN IMMEDIATE</c> transaction per step.</summary>
internal static class SqliteMigrator
{
    private const int SqliteNotADatabase = 26;
    private const int SqliteCorrupt = 11;
    private const int SqliteCantOpen = 14;
    private const int SqliteReadOnly = 8;
    private const int SqlitePermission = 3;

    public static (int FromVersion, int ToVersion) Migrate(SqliteTenantDatabases router, string slug, string path, bool dryRun)
    {
        if (dryRun && !File.Exists(path))
        {
            return (0, router.LatestVersion);
        }

        if (!dryRun)
        {
            if (!File.Exists(path) && CreateNew(router, slug, path, seed: null) is { } created)
            {
                return created;
            }

            // Someone else published the file first (or it appeared meanwhile): continue in place on theirs.
        }

        using var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(
            path, dryRun ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, pooling: false));
        int version;
        try
        {
            connection.Open();
            Execute(connection, null, string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {router.BusyTimeoutMilliseconds}; PRAGMA synchronous = {router.Synchronous.ToString().ToUpperInvariant()};"));
            version = ReadVersion(connection, null);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteNotADatabase or SqliteCorrupt)
        {
            throw new TenantDatabaseCorruptException(slug, path, ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen or SqliteReadOnly or SqlitePermission)
        {
            throw NotWritable(slug, path, ex);
        }

        int from = version;
        if (version > router.LatestVersion)
        {
            throw new TenantDatabaseVersionException(slug, path, version, router.LatestVersion);
        }

        if (dryRun)
        {
            return (from, router.LatestVersion);
        }

        try
        {
            if (router.JournalMode == SqliteJournalMode.Wal)
            {
                // Persistent: written once into the file, so pooled connections never need to set it.
                if (!string.Equals(Scalar(connection, null, "PRAGMA journal_mode;") as string, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    Execute(connection, null, "PRAGMA journal_mode = WAL;");
                }
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteNotADatabase or SqliteCorrupt)
        {
            throw new TenantDatabaseCorruptException(slug, path, ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen or SqliteReadOnly or SqlitePermission)
        {
            throw NotWritable(slug, path, ex);
        }

        foreach (var step in router.Migrations)
        {
            if (step.Version <= version)
            {
                continue;
            }

            SqliteTransaction transaction;
            try
            {
                transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock, or wait for it
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen or SqliteReadOnly or SqlitePermission)
            {
                throw NotWritable(slug, path, ex);
            }

            using (transaction)
            {
                // Another process may have applied steps while we waited for the lock: read again under it.
                version = ReadVersion(connection, transaction);
                if (version > router.LatestVersion)
                {
                    throw new TenantDatabaseVersionException(slug, path, version, router.LatestVersion);
                }

                if (step.Version <= version)
                {
                    transaction.Commit();
                    continue;
                }

                try
                {
                    step.Apply(connection, transaction);
                    Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {step.Version};"));
                    transaction.Commit();
                    version = step.Version;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    try
                    {
                        transaction.Rollback();
                    }
                    catch (SqliteException)
                    {
                        // SQLite may already have rolled back (for example after SQLITE_FULL); the version is unchanged either way.
                    }

                    throw new TenantMigrationException(slug, path, step, version, ex);
                }
            }
        }

        return (from, version);
    }

    /// <summary>
    /// Builds a new tenant file off to the side and publishes it atomically without replacing anything: a temporary file in
    /// the same folder is created with no journal file and no fsync (<c>journal_mode = MEMORY</c>, <c>synchronous = OFF</c>),
    /// optionally seeded (a template copy), migrated one transaction per step, switched to WAL, closed, fsynced once and then
    /// linked to <paramref name="path"/> (<see cref="File.Move(string, string, bool)"/> without overwrite fails if the target
    /// exists). A crash leaves only the temporary file; the tenant's path never holds a half-built database.
    /// </summary>
    /// <returns>The versions (from 0 or the template's, to the latest), or null when another creator published first.</returns>
    internal static (int FromVersion, int ToVersion)? CreateNew(SqliteTenantDatabases router, string slug, string path, Action<SqliteConnection>? seed)
    {
        CreateDirectory(slug, path); // the template may nest the file in a folder per tenant (wikis/{tenant}/wiki.db)
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        int from = 0, version = 0;
        Exception? failure = null;
        try
        {
            using (var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(temporary, SqliteOpenMode.ReadWriteCreate, pooling: false)))
            {
                try
                {
                    connection.Open();
                    Execute(connection, null, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;");
                    if (seed is not null)
                    {
                        seed(connection);
                        Execute(connection, null, "PRAGMA journal_mode = MEMORY;"); // a copied header may say WAL
                    }

                    from = version = ReadVersion(connection, null);
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCantOpen or SqliteReadOnly or SqlitePermission)
                {
                    throw NotWritable(slug, path, ex);
                }

                if (version > router.LatestVersion)
                {
                    throw new TenantDatabaseVersionException(slug, path, version, router.LatestVersion);
                }

                foreach (var step in router.Migrations)
                {
                    if (step.Version <= version)
                    {
                        continue;
                    }

                    using var transaction = connection.BeginTransaction(deferred: false);
                    try
                    {
                        step.Apply(connection, transaction);
                        Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {step.Version};"));
                        transaction.Commit();
                        version = step.Version;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        try
                        {
                            transaction.Rollback();
                        }
                        catch (SqliteException)
                        {
                            // Already rolled back by SQLite; the version is unchanged either way.
                        }

                        // Publish what succeeded (as an in-place creation would have left it), then report the step.
                        failure = new TenantMigrationException(slug, path, step, version, ex);
                        break;
                    }
                }

                Execute(connection, null, router.JournalMode == SqliteJournalMode.Wal ? "PRAGMA journal_mode = WAL;" : "PRAGMA journal_mode = DELETE;");
            }

            // One fsync for the whole file (SQLite wrote it with synchronous = OFF), before it becomes visible under its name.
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                stream.Flush(flushToDisk: true);
            }

            bool published;
            try
            {
                published = PublishWithoutReplacing(temporary, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                published = false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw NotWritable(slug, path, ex);
            }

            if (failure is not null)
            {
                throw failure;
            }

            return published ? (from, version) : null;
        }
        finally
        {
            DeleteLeftovers(temporary);
        }
    }

    /// <summary>
    /// Gives <paramref name="temporary"/> the name <paramref name="path"/> unless that name exists, atomically. On Unix this is
    /// link(2), which fails with EEXIST when the target exists (File.Move without overwrite checks and then renames, so two
    /// creators can both pass the check and the second replaces the first). Windows' MoveFileEx without REPLACE_EXISTING is atomic.
    /// </summary>
    /// <returns>False when <paramref name="path"/> already existed.</returns>
    private static bool PublishWithoutReplacing(string temporary, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }

        if (NativeMethods.Link(temporary, path) == 0)
        {
            return true; // the temporary name is removed by DeleteLeftovers
        }

        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == NativeMethods.EEXIST)
        {
            return false;
        }

        // A file system without hard links: fall back to File.Move (checks for the target, then renames).
        File.Move(temporary, path, overwrite: false);
        return true;
    }

    private static void DeleteLeftovers(string temporary)
    {
        foreach (var leftover in new[] { temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm" })
        {
            try
            {
                File.Delete(leftover); // no error when it is absent (published, or never created)
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temporary file is harmless: it is never opened as a tenant.
            }
        }
    }

    private static void CreateDirectory(string slug, string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(slug, path, ex);
        }
    }

    private static TenantDatabaseException NotWritable(string slug, string path, Exception ex) => new(slug, path,
        $"The database of tenant '{slug}' cannot be created or written at {path} ({ex.Message}). Check that the folder exists and that " +
        "this process may write to it (file system permissions, a read-only mount, a full disk), or point DataRoot elsewhere.", ex);

    internal static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
        => Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);

    internal static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

internal static class NativeMethods
{
    public const int EEXIST = 17; // Linux and macOS

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    public static extern int Link(string oldPath, string newPath);
}
