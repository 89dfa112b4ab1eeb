using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// The platform database (<c>{DataRoot}/platform.db</c>) that records tenants and their state, and the lifecycle
/// operations on tenant files: create (optionally from a template, by SQLite online backup), list, archive, restore,
/// delete, backup, check, vacuum, stats, migrate-all and the split of a shared database. Reach it with
/// <c>configuration.GetSqlite().Catalog</c>.
/// </summary>
public sealed partial class TenantCatalog : ITenantCatalog
{
    private const int SqliteConstraint = 19;
    private readonly SqliteTenantDatabases _router;
    private readonly string _connectionString;
    private readonly object _schemaGate = new();
    private volatile bool _schemaReady;

    internal TenantCatalog(SqliteTenantDatabases router)
    {
        _router = router;
        Path = router.CatalogPath;
        _connectionString = SqliteTenantDatabases.ConnectionStringFor(Path, SqliteOpenMode.ReadWriteCreate);
    }

    /// <summary>The absolute path of the catalog database.</summary>
    public string Path { get; }

    /// <summary>Looks a tenant up.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The record, or null when the tenant is not catalogued.</returns>
    public Task<TenantRecord?> GetAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => Find(slug), cancellationToken);
    }

    /// <summary>
    /// Creates a tenant: its database (migrated to the latest version), optionally as a copy of <paramref name="fromTemplate"/>'s
    /// database taken with SQLite's online backup, and its catalog record. An existing, uncatalogued file for the tenant is
    /// adopted (migrated and catalogued) when no template is given.
    /// </summary>
    /// <param name="tenant">The new tenant's slug.</param>
    /// <param name="fromTemplate">A tenant whose database is copied (it may be in use), or null for an empty, migrated database.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The new record.</returns>
    /// <exception cref="TenantAlreadyExistsException">The tenant is catalogued already, or a template copy would overwrite its file.</exception>
    /// <exception cref="TenantUnavailableException">The template has no database file.</exception>
    public Task<TenantRecord> CreateAsync(string tenant, string? fromTemplate = null, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        var template = fromTemplate is null ? null : TenantSlug.Validate(fromTemplate, nameof(fromTemplate));
        return Run(() => Create(slug, template), cancellationToken);
    }

    /// <summary>Lists catalogued tenants in slug order.</summary>
    /// <param name="includeArchived">Whether archived tenants are listed too (true by default).</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    public Task<IReadOnlyList<TenantRecord>> ListAsync(bool includeArchived = true, CancellationToken cancellationToken = default)
        => Run(() => List(includeArchived), cancellationToken);

    /// <summary>
    /// Archives a tenant: it can no longer be entered, and connections opened from now on — even through a database object
    /// handed out before — are refused with <see cref="TenantUnavailableReason.Archived"/>. Connections already open finish their work.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    public Task<TenantRecord> ArchiveAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => SetState(slug, TenantState.Archived), cancellationToken);
    }

    /// <summary>Restores an archived tenant so it can be entered again.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    public Task<TenantRecord> RestoreAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => SetState(slug, TenantState.Active), cancellationToken);
    }

    /// <summary>
    /// Deletes a tenant for good: its record, its database with <c>-wal</c>, <c>-shm</c> and <c>-journal</c>, and its storage folder
    /// (<see cref="SqliteTenantOptions.StoragePathTemplate"/>). Pooled connections are cleared first. Safe to re-run after an interruption.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>Whether there was anything (a record or a file) to delete.</returns>
    public Task<bool> DeleteAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => Delete(slug), cancellationToken);
    }

    /// <summary>
    /// Copies a tenant's database to <paramref name="destination"/> with SQLite's online backup (a consistent snapshot, taken while
    /// the tenant stays in use). The copy is written to a temporary file and renamed into place, replacing an older backup.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="destination">The backup file to write.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task BackupAsync(string tenant, string destination, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        return Run(() =>
        {
            var source = ExistingFile(slug);
            CopyDatabase(source, System.IO.Path.GetFullPath(destination), overwrite: true);
            return true;
        }, cancellationToken);
    }

    /// <summary>Runs <c>PRAGMA integrity_check</c> and <c>PRAGMA foreign_key_check</c> on a tenant's database (read-only).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>What the checks found; a file that is not a database is reported as an integrity error.</returns>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task<TenantCheckResult> CheckAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => Check(slug, ExistingFile(slug)), cancellationToken);
    }

    /// <summary>Rebuilds a tenant's database with <c>VACUUM</c>, returning free pages to the file system.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The stats after the vacuum.</returns>
    public Task<TenantStats> VacuumAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() =>
        {
            var path = ExistingFile(slug);
            using (var connection = _router.OpenConnection(slug))
            {
                SqliteMigrator.Execute(connection, null, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
            }

            return Stats(slug, path);
        }, cancellationToken);
    }

    /// <summary>Reads a tenant's size (database plus log), schema version and last write time, without changing anything.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <exception cref="TenantUnavailableException">The tenant has no database file.</exception>
    public Task<TenantStats> StatsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(() => Stats(slug, ExistingFile(slug)), cancellationToken);
    }

    /// <summary>The resolver used when <see cref="SqliteTenantOptions.UseCatalog"/> is on: active tenants only.</summary>
    internal TenantInfo ResolveForEntry(string slug)
    {
        var record = Find(slug);
        if (record is null)
        {
            throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound,
                $"Tenant '{slug}' is not in the catalog ({Path}). Create it with TenantCatalog.CreateAsync(\"{slug}\") (or `tenantctl create {slug}`), " +
                "or check the tenant name.");
        }

        if (record.State == TenantState.Archived)
        {
            throw new TenantUnavailableException(slug, TenantUnavailableReason.Archived,
                $"Tenant '{slug}' was archived on {record.ArchivedAt:u} and cannot be entered. Restore it with TenantCatalog.RestoreAsync(\"{slug}\") " +
                $"(or `tenantctl restore {slug}`) first.");
        }

        return new TenantInfo(slug, record);
    }

    internal void ReleasePool() => SqliteTenantDatabases.ClearPool(_connectionString);

    private static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        return Task.Run(work, cancellationToken);
    }

    private SqliteConnection OpenCatalog()
    {
        if (!_schemaReady)
        {
            lock (_schemaGate)
            {
                if (!_schemaReady)
                {
                    CreateSchema();
                    _schemaReady = true;
                }
            }
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        SqliteMigrator.Execute(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_router.BusyTimeoutMilliseconds};"));
        return connection;
    }

    private void CreateSchema()
    {
        Directory.CreateDirectory(_router.DataRoot);
        using var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(Path, SqliteOpenMode.ReadWriteCreate, pooling: false));
        try
        {
            connection.Open();
            SqliteMigrator.Execute(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_router.BusyTimeoutMilliseconds};"));
            if (SqliteMigrator.ReadVersion(connection, null) >= 1)
            {
                return;
            }

            SqliteMigrator.Execute(connection, null, "PRAGMA journal_mode = WAL;");
            using var transaction = connection.BeginTransaction(deferred: false);
            if (SqliteMigrator.ReadVersion(connection, transaction) < 1)
            {
                SqliteMigrator.Execute(connection, transaction,
                    "CREATE TABLE IF NOT EXISTS tenants (slug TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('active', 'archived')), " +
                    "created_at TEXT NOT NULL, archived_at TEXT, template TEXT) WITHOUT ROWID; PRAGMA user_version = 1;");
            }

            transaction.Commit();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            throw new InvalidOperationException(
                $"The tenant catalog {Path} is not a usable SQLite database ({ex.Message}). Restore it from a backup or move it aside; it was not changed.", ex);
        }
    }

    private TenantRecord? Find(string slug)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT slug, state, created_at, archived_at, template FROM tenants WHERE slug = $slug;";
        command.Parameters.AddWithValue("$slug", slug);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRecord(reader) : null;
    }

    private IReadOnlyList<TenantRecord> List(bool includeArchived)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = includeArchived
            ? "SELECT slug, state, created_at, archived_at, template FROM tenants ORDER BY slug;"
            : "SELECT slug, state, created_at, archived_at, template FROM tenants WHERE state = 'active' ORDER BY slug;";
        using var reader = command.ExecuteReader();
        var records = new List<TenantRecord>();
        while (reader.Read())
        {
            records.Add(ReadRecord(reader));
        }

        return records;
    }

    private static TenantRecord ReadRecord(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1) == "archived" ? TenantState.Archived : TenantState.Active,
        DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture),
        reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
        reader.IsDBNull(4) ? null : reader.GetString(4));

    private TenantRecord Create(string slug, string? template)
    {
        if (Find(slug) is not null)
        {
            throw new TenantAlreadyExistsException(slug,
                $"Tenant '{slug}' is already in the catalog. Pick another name, or delete it first with TenantCatalog.DeleteAsync(\"{slug}\").");
        }

        var path = _router.GetDatabasePath(slug);
        if (template is not null)
        {
            var source = ExistingFile(template);
            if (File.Exists(path))
            {
                throw new TenantAlreadyExistsException(slug,
                    $"Tenant '{slug}' is not catalogued, but its database file {path} exists, so copying template '{template}' over it was refused. " +
                    $"Adopt the file with CreateAsync(\"{slug}\") (no template), or delete it with DeleteAsync(\"{slug}\") first.");
            }

            if (!_router.CreateFromTemplate(slug, source))
            {
                throw new TenantAlreadyExistsException(slug,
                    $"{path} appeared while it was being created (another process created the same tenant). Use it, or delete it first.");
            }
        }
        else
        {
            _router.EnsureReady(_router.GetFile(slug));
        }

        var record = new TenantRecord(slug, TenantState.Active, TruncateToSeconds(DateTimeOffset.UtcNow), null, template);
        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO tenants (slug, state, created_at, template) VALUES ($slug, 'active', $created, $template);";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$template", (object?)template ?? DBNull.Value);
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                throw new TenantAlreadyExistsException(slug, $"Tenant '{slug}' was catalogued by someone else at the same time. Use it, or pick another name.");
            }
        }

        _router.SetArchived(slug, false);
        _router.Configuration?.Forget(slug);
        return record;
    }

    private TenantRecord SetState(string slug, TenantState state)
    {
        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = state == TenantState.Archived
                ? "UPDATE tenants SET state = 'archived', archived_at = coalesce(archived_at, $now) WHERE slug = $slug;"
                : "UPDATE tenants SET state = 'active', archived_at = NULL WHERE slug = $slug;";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$now", TruncateToSeconds(DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            if (command.ExecuteNonQuery() == 0)
            {
                throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound,
                    $"Tenant '{slug}' is not in the catalog ({Path}), so it cannot be {(state == TenantState.Archived ? "archived" : "restored")}. " +
                    "List the catalogued tenants with TenantCatalog.ListAsync().");
            }
        }

        _router.SetArchived(slug, state == TenantState.Archived);
        _router.Configuration?.Forget(slug);
        return Find(slug)!;
    }

    private bool Delete(string slug)
    {
        bool existed;
        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM tenants WHERE slug = $slug;";
            command.Parameters.AddWithValue("$slug", slug);
            existed = command.ExecuteNonQuery() > 0;
        }

        _router.Invalidate(slug);
        _router.Configuration?.Forget(slug);
        var path = _router.GetDatabasePath(slug);
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            existed |= DeleteFile(slug, file);
        }

        if (_router.GetStoragePath(slug) is { } storage && Directory.Exists(storage))
        {
            try
            {
                Directory.Delete(storage, recursive: true);
                existed = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TenantDatabaseException(slug, path,
                    $"Tenant '{slug}' was removed from the catalog and its database deleted, but its storage folder {storage} could not be deleted ({ex.Message}). " +
                    "Fix the permissions or close the files in use, then run DeleteAsync again.", ex);
            }
        }

        return existed;
    }

    private static bool DeleteFile(string slug, string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        try
        {
            File.Delete(file);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TenantDatabaseException(slug, file,
                $"Tenant '{slug}' was removed from the catalog, but {file} could not be deleted ({ex.Message}). Fix the permissions and run DeleteAsync again.", ex);
        }
    }

    private string ExistingFile(string slug)
    {
        var path = _router.GetDatabasePath(slug);
        if (!File.Exists(path))
        {
            throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound,
                $"Tenant '{slug}' has no database file ({path}). Create it with TenantCatalog.CreateAsync(\"{slug}\"), or check the tenant name.");
        }

        return path;
    }

    /// <summary>Online backup of <paramref name="source"/> into a temporary file beside <paramref name="destination"/>, then a rename.</summary>
    private void CopyDatabase(string source, string destination, bool overwrite)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(destination)!);
        var temporary = destination + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var from = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(source, SqliteOpenMode.ReadOnly, pooling: false)))
            using (var to = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(temporary, SqliteOpenMode.ReadWriteCreate, pooling: false)))
            {
                from.Open();
                SqliteMigrator.Execute(from, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_router.BusyTimeoutMilliseconds};"));
                to.Open();
                from.BackupDatabase(to);
                if (_router.JournalMode != SqliteJournalMode.Wal)
                {
                    SqliteMigrator.Execute(to, null, "PRAGMA journal_mode = DELETE;");
                }
            }

            File.Move(temporary, destination, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(destination))
        {
            throw new TenantAlreadyExistsException(System.IO.Path.GetFileNameWithoutExtension(destination),
                $"{destination} appeared while it was being created (another process created the same tenant). Use it, or delete it first.");
        }
        finally
        {
            foreach (var leftover in new[] { temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm" })
            {
                if (File.Exists(leftover))
                {
                    File.Delete(leftover);
                }
            }
        }
    }

    private TenantCheckResult Check(string slug, string path)
    {
        var integrity = new List<string>();
        var foreignKeys = new List<string>();
        try
        {
            using var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(path, SqliteOpenMode.ReadOnly, pooling: false));
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
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            integrity.Add($"not a usable SQLite database: {ex.Message}");
        }

        return new TenantCheckResult(slug, integrity, foreignKeys);
    }

    private static TenantStats Stats(string slug, string path)
    {
        int version;
        using (var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(path, SqliteOpenMode.ReadOnly, pooling: false)))
        {
            connection.Open();
            try
            {
                version = SqliteMigrator.ReadVersion(connection, null);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
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

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>
    /// Brings every catalogued tenant (active and archived) to the latest version, <paramref name="parallelism"/> tenants at a time.
    /// A failing tenant is reported and the run goes on; each step is its own transaction, so a re-run after a failure or an
    /// interruption (even a killed process) resumes where each tenant stopped and never applies a step twice.
    /// </summary>
    /// <param name="parallelism">Tenants migrated at once; 0 for one per processor.</param>
    /// <param name="dryRun">Only read each tenant's version and report what would be done.</param>
    /// <param name="progress">Receives a report after each tenant (called from worker threads).</param>
    /// <param name="cancellationToken">Stops starting new tenants; tenants in progress finish their current step.</param>
    /// <returns>One result per tenant, in slug order.</returns>
    public async Task<TenantMigrationReport> MigrateAllAsync(int parallelism = 0, bool dryRun = false, IProgress<TenantMigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);
        var started = Stopwatch.GetTimestamp();
        var tenants = await ListAsync(includeArchived: true, cancellationToken).ConfigureAwait(false);
        var results = new TenantMigrationResult[tenants.Count];
        int completed = 0;
        int failed = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = parallelism == 0 ? Environment.ProcessorCount : parallelism,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForAsync(0, tenants.Count, options, (index, _) =>
        {
            var slug = tenants[index].Slug;
            var begin = Stopwatch.GetTimestamp();
            TenantMigrationResult result;
            try
            {
                var (from, to) = dryRun
                    ? SqliteMigrator.Migrate(_router, slug, _router.GetDatabasePath(slug), dryRun: true)
                    : _router.EnsureReady(_router.GetFile(slug));
                result = new TenantMigrationResult(slug, from, to, Stopwatch.GetElapsedTime(begin), null);
            }
            catch (Exception ex) when (ex is TenantDatabaseException or SqliteException or IOException or UnauthorizedAccessException)
            {
                int version = ex is TenantMigrationException migration ? migration.PreviousVersion : -1;
                result = new TenantMigrationResult(slug, version, version, Stopwatch.GetElapsedTime(begin), ex);
                Interlocked.Increment(ref failed);
            }

            results[index] = result;
            int done = Interlocked.Increment(ref completed);
            progress?.Report(new TenantMigrationProgress(done, tenants.Count, Volatile.Read(ref failed), result));
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        return new TenantMigrationReport(dryRun, _router.LatestVersion, results, Stopwatch.GetElapsedTime(started));
    }
}
