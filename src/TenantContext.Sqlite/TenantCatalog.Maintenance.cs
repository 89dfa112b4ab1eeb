using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>Maintenance of one tenant's file: backup, integrity check, vacuum, stats.</summary>
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
