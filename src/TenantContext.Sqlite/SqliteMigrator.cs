using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tenancy.Sqlite;

/// <summary>Creates a tenant file if allowed and brings it to the latest version, one <c>BEGIN IMMEDIATE</c> transaction per step.</summary>
internal static class SqliteMigrator
{
    /// <summary>
    /// Migrates the file at <paramref name="path"/> in place (creating it first when <paramref name="allowCreate"/>), or only reads
    /// its version (<paramref name="dryRun"/>). <paramref name="cancellationToken"/> is honoured before each step; finished steps stay.
    /// </summary>
    public static (int FromVersion, int ToVersion) Migrate(SqliteTenantDatabases router, string slug, string path, bool allowCreate, bool dryRun, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            if (dryRun)
            {
                return allowCreate ? (0, router.LatestVersion) : throw TenantDatabaseMissingException.Catalogued(slug, path);
            }

            if (!allowCreate)
            {
                throw TenantDatabaseMissingException.Catalogued(slug, path);
            }

            if (CreateNew(router, slug, path, seed: null, cancellationToken) is { } created)
            {
                return created;
            }

            // Someone else published the file first: continue in place on theirs.
        }

        // ReadWrite, never ReadWriteCreate: a file that vanished since the check must not come back empty.
        using var connection = new SqliteConnection(SqliteConnections.ConnectionString(path, dryRun ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite, pooling: false));
        int version;
        try
        {
            connection.Open();
            SqliteConnections.Execute(connection, null,
                SqliteConnections.BusyTimeout(router.BusyTimeoutMilliseconds) + $" PRAGMA synchronous = {router.Synchronous.ToString().ToUpperInvariant()};");
            version = SqliteConnections.ReadVersion(connection, null);
        }
        catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
        {
            throw new TenantDatabaseCorruptException(slug, path, ex);
        }
        catch (SqliteException ex) when (SqliteConnections.IsNotWritable(ex))
        {
            throw File.Exists(path) ? NotWritable(slug, path, ex) : TenantDatabaseMissingException.Catalogued(slug, path);
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
            // Persistent: written once into the file, so pooled connections never need to set it.
            if (router.JournalMode == SqliteJournalMode.Wal
                && !string.Equals(SqliteConnections.Scalar(connection, null, "PRAGMA journal_mode;") as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                SqliteConnections.Execute(connection, null, "PRAGMA journal_mode = WAL;");
            }

            if (router.JournalMode == SqliteJournalMode.Wal && router.Synchronous != SqliteSynchronous.Full)
            {
                // Closing this connection would checkpoint the log (two fsyncs per tenant, the bulk of a 10,000-tenant run).
                // Leave the steps in the log instead: WAL with synchronous = NORMAL stays consistent, and a step that a power
                // loss rolls back is applied again by the next open, because the version rolls back with it.
                raw.sqlite3_db_config(connection.Handle!, raw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, out _);
            }
        }
        catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
        {
            throw new TenantDatabaseCorruptException(slug, path, ex);
        }
        catch (SqliteException ex) when (SqliteConnections.IsNotWritable(ex))
        {
            throw NotWritable(slug, path, ex);
        }

        try
        {
            foreach (var step in router.Migrations)
            {
                if (step.Version <= version)
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                SqliteTransaction transaction;
                try
                {
                    transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock, or wait for it
                }
                catch (SqliteException ex) when (SqliteConnections.IsNotWritable(ex))
                {
                    throw NotWritable(slug, path, ex);
                }

                using (transaction)
                {
                    // Another process may have applied steps while we waited for the lock: read again under it.
                    version = SqliteConnections.ReadVersion(connection, transaction);
                    if (version > router.LatestVersion)
                    {
                        throw new TenantDatabaseVersionException(slug, path, version, router.LatestVersion);
                    }

                    if (step.Version <= version)
                    {
                        transaction.Commit();
                        continue;
                    }

                    version = Apply(slug, path, connection, transaction, step, version);
                }
            }
        }
        finally
        {
            if (version != from)
            {
                router.Generations.Bump(slug); // other processes re-check this tenant at their next open
            }
        }

        return (from, version);
    }

    /// <summary>Applies one step inside its transaction and sets <c>user_version</c>; a failure rolls back and names the step.</summary>
    private static int Apply(string slug, string path, SqliteConnection connection, SqliteTransaction transaction, SqliteMigration step, int version)
    {
        try
        {
            step.Apply(connection, transaction);
            SqliteConnections.Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {step.Version};"));
            transaction.Commit();
            return step.Version;
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

    /// <summary>
    /// Builds a new tenant file off to the side and publishes it atomically without replacing anything: a temporary file in
    /// the same folder is created with no journal file and no fsync (<c>journal_mode = MEMORY</c>, <c>synchronous = OFF</c>),
    /// optionally seeded (a template copy), migrated one transaction per step, switched to WAL, closed, fsynced once, linked
    /// to <paramref name="path"/> (never over an existing file) and its folder fsynced. A crash leaves only the temporary
    /// file; the tenant's path never holds a half-built database, and a published file survives a power loss.
    /// </summary>
    /// <returns>The versions (from 0 or the template's, to the latest), or null when another creator published first.</returns>
    internal static (int FromVersion, int ToVersion)? CreateNew(SqliteTenantDatabases router, string slug, string path, Action<SqliteConnection>? seed, CancellationToken cancellationToken)
    {
        try
        {
            DurableFiles.CreateDirectory(Path.GetDirectoryName(path)!); // the template may nest the file in a folder per tenant (wikis/{tenant}/wiki.db)
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(slug, path, ex);
        }

        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        int from = 0, version = 0;
        Exception? failure = null;
        try
        {
            using (var connection = new SqliteConnection(SqliteConnections.ConnectionString(temporary, SqliteOpenMode.ReadWriteCreate, pooling: false)))
            {
                try
                {
                    connection.Open();
                    SqliteConnections.Execute(connection, null, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;");
                    if (seed is not null)
                    {
                        seed(connection);
                        SqliteConnections.Execute(connection, null, "PRAGMA journal_mode = MEMORY;"); // a copied header may say WAL
                    }

                    from = version = SqliteConnections.ReadVersion(connection, null);
                }
                catch (SqliteException ex) when (SqliteConnections.IsNotWritable(ex))
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

                    cancellationToken.ThrowIfCancellationRequested();
                    using var transaction = connection.BeginTransaction(deferred: false);
                    try
                    {
                        version = Apply(slug, path, connection, transaction, step, version);
                    }
                    catch (TenantMigrationException ex)
                    {
                        // Publish what succeeded (as an in-place creation would have left it), then report the step.
                        failure = ex;
                        break;
                    }
                }

                SqliteConnections.Execute(connection, null, router.JournalMode == SqliteJournalMode.Wal ? "PRAGMA journal_mode = WAL;" : "PRAGMA journal_mode = DELETE;");
            }

            bool published;
            try
            {
                // One fsync for the whole file (SQLite wrote it with synchronous = OFF), before it becomes visible under its name.
                DurableFiles.FlushFile(temporary);
                published = DurableFiles.PublishWithoutReplacing(temporary, path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw NotWritable(slug, path, ex);
            }

            if (published)
            {
                router.Generations.Bump(slug);
            }

            if (failure is not null)
            {
                throw failure;
            }

            return published ? (from, version) : null;
        }
        finally
        {
            DurableFiles.DeleteTemporary(temporary);
        }
    }

    private static TenantDatabaseException NotWritable(string slug, string path, Exception ex) => new(slug, path,
        $"The database of tenant '{slug}' cannot be created or written at {path} ({ex.Message}). Check that the folder exists and that " +
        "this process may write to it (file system permissions, a read-only mount, a full disk), or point DataRoot elsewhere.", ex);
}
