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
            CreateDirectory(slug, path);
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
