using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tenancy.Sqlite;

/// <summary>
/// The platform database (<c>{DataRoot}/platform.db</c>) that records tenants and their state, and the lifecycle
/// operations on tenant files: create (optionally from a template, by SQLite online backup), import, list, archive,
/// restore, delete, backup and restore from a backup, check, vacuum, stats, migrate-all and the split of a shared database. Reach it with
/// <c>configuration.GetSqlite().Catalog</c>.
/// </summary>
/// <remarks>
/// SQLite has no asynchronous I/O. Every <c>…Async</c> method runs its blocking work on a thread-pool thread (so a
/// request thread is never blocked) and honours its <see cref="CancellationToken"/> between steps: between migration
/// steps, between tenants, between the files of a delete. A step that has started finishes (a transaction is never
/// left half-done), and a creation whose file is published is always catalogued.
/// </remarks>
public sealed partial class TenantCatalog : ITenantCatalog
{
    private const string Columns = "slug, state, created_at, archived_at, template";
    private readonly SqliteTenantDatabases _router;
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly object _schemaGate = new();
    private volatile bool _schemaReady;

    internal TenantCatalog(SqliteTenantDatabases router)
    {
        _router = router;
        Path = router.CatalogPath;
        _connectionString = SqliteConnections.ConnectionString(Path, SqliteOpenMode.ReadWriteCreate);
        _pragmas = SqliteConnections.BusyTimeout(router.BusyTimeoutMilliseconds);
    }

    /// <summary>The absolute path of the catalog database.</summary>
    public string Path { get; }

    /// <summary>Looks a tenant up. A tenant whose delete was interrupted is not listed (its tombstone remains until <see cref="DeleteAsync"/> finishes).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the look-up starts.</param>
    /// <returns>The record, or null when the tenant is not catalogued.</returns>
    public Task<TenantRecord?> GetAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ => Find(slug), cancellationToken);
    }

    /// <summary>
    /// Creates a tenant: its database (migrated to the latest version), optionally as a copy of <paramref name="fromTemplate"/>'s
    /// database taken with SQLite's online backup, then its catalog record. The file is built aside, fsynced and published
    /// (never over an existing file) before the record is written, so a record never points at a file that a power loss
    /// could take away. Files left by anything else under the tenant's name (a database, its <c>-wal</c> or <c>-journal</c>, a
    /// storage folder) are never adopted silently: the creation is refused; adopt them with <see cref="ImportAsync"/> or remove
    /// them with <see cref="DeleteAsync"/>. A creation interrupted at any point (a crash, a kill) leaves no tenant: the next
    /// <see cref="CreateAsync"/> of that name takes it over once its process has ended, and <see cref="DeleteAsync"/> clears it.
    /// <para>
    /// Durability: the file is made durable before this method returns, the record is not. It is committed to the catalog's
    /// log without an fsync of its own (one durable step per creation), so a power loss (or an operating-system crash) after
    /// this method returns, before the catalog's log is next flushed (its next checkpoint, or its next fully synchronous commit:
    /// an archive, restore, import or delete), can undo the whole creation: the tenant is then not catalogued, as if never created —
    /// never a record without its file, never half a database. Its published file stays under its name and is not adopted
    /// silently: <see cref="ImportAsync"/> adopts it, <see cref="DeleteAsync"/> removes it. A process that is killed (not the
    /// machine) loses nothing once this method has returned.
    /// </para>
    /// </summary>
    /// <param name="tenant">The new tenant's slug.</param>
    /// <param name="fromTemplate">A tenant whose database is copied (it may be in use), or null for an empty, migrated database.</param>
    /// <param name="cancellationToken">Honoured before each migration step of the new file; once the file is published, the record is written.</param>
    /// <returns>The new record.</returns>
    /// <exception cref="TenantAlreadyExistsException">The tenant is catalogued, its delete was interrupted, or files of that name exist.</exception>
    /// <exception cref="TenantUnavailableException">The template has no database file.</exception>
    /// <exception cref="ArgumentException">The name is invalid, or reserved (its files would be the catalog's).</exception>
    public Task<TenantRecord> CreateAsync(string tenant, string? fromTemplate = null, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        var template = fromTemplate is null ? null : TenantSlug.Validate(fromTemplate, nameof(fromTemplate));
        _router.RefuseReserved(slug, _router.GetDatabasePath(slug));
        return Run(ct => Create(slug, template, ct), cancellationToken);
    }

    /// <summary>
    /// Catalogues a tenant whose database file already exists without a record (made by a split, copied in by hand, or
    /// created on first use without the catalog): the explicit opt-in that <see cref="CreateAsync"/> never does silently.
    /// The file is migrated to the latest version first. A tenant that <see cref="CreateAsync"/> is creating right now (in
    /// any running process) is refused, before its file is touched and again when the record is written; the file that a
    /// creation whose process has ended left under the name is adopted, and that creation is cleared with it.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Honoured before each migration step.</param>
    /// <returns>The new record.</returns>
    /// <exception cref="TenantAlreadyExistsException">The tenant is catalogued already, its delete was interrupted, or a running process is creating it.</exception>
    /// <exception cref="TenantUnavailableException">There is no file to import.</exception>
    public Task<TenantRecord> ImportAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        _router.RefuseReserved(slug, _router.GetDatabasePath(slug));
        return Run(ct => Import(slug, ct), cancellationToken);
    }

    /// <summary>Lists catalogued tenants in slug order.</summary>
    /// <param name="includeArchived">Whether archived tenants are listed too (true by default).</param>
    /// <param name="cancellationToken">Cancels before the listing starts.</param>
    public Task<IReadOnlyList<TenantRecord>> ListAsync(bool includeArchived = true, CancellationToken cancellationToken = default)
        => Run(_ => List(includeArchived), cancellationToken);

    /// <summary>
    /// Archives a tenant: it can no longer be entered, and connections opened from now on — in this process or any other on
    /// this machine, even through a database object handed out before — are refused with <see cref="TenantUnavailableReason.Archived"/>.
    /// Connections already open finish their work.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the change starts.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    public Task<TenantRecord> ArchiveAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ => SetState(slug, TenantState.Archived), cancellationToken);
    }

    /// <summary>Restores an archived tenant so it can be entered again (by every process).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the change starts.</param>
    /// <returns>The updated record.</returns>
    /// <exception cref="TenantUnavailableException">The tenant is not catalogued.</exception>
    public Task<TenantRecord> RestoreAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(_ => SetState(slug, TenantState.Active), cancellationToken);
    }

    /// <summary>
    /// Deletes a tenant for good. First its record becomes a tombstone (the tenant can no longer be entered, listed or created
    /// again), then its files go — <c>-wal</c> and <c>-journal</c> before the database (a stale log must never be replayed into a
    /// later file of the same name), then its storage folder (<see cref="SqliteTenantOptions.StoragePathTemplate"/>) — and the
    /// folders are fsynced; the tombstone goes last. An interrupted delete (a crash, a cancellation) leaves the tombstone:
    /// run <see cref="DeleteAsync"/> again to finish it. Uncatalogued files of that name are deleted too.
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Honoured between files; re-run the delete to finish.</param>
    /// <returns>Whether there was anything (a record, a tombstone or a file) to delete.</returns>
    public Task<bool> DeleteAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var slug = TenantSlug.Validate(tenant);
        return Run(ct => Delete(slug, ct), cancellationToken);
    }

    /// <summary>
    /// The resolver used when <see cref="SqliteTenantOptions.UseCatalog"/> is on: active tenants only. The tenant's change
    /// counter is read before the look-up, so the router's first open right after can trust "active" while the counter is
    /// unchanged instead of asking the catalog a second time (any archive, delete or restore bumps it).
    /// </summary>
    internal TenantInfo ResolveForEntry(string slug)
    {
        long generation = _router.Generations.Read(TenantGenerations.SlotOf(slug));
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

        _router.RememberActive(slug, generation);
        return new TenantInfo(slug, record);
    }

    /// <summary>What the catalog says of a tenant (one query), for the router's first-touch checks.</summary>
    internal CatalogState StateOf(string slug)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM tenants WHERE slug = $slug UNION ALL SELECT 'deleting' FROM tombstones WHERE slug = $slug " +
            "UNION ALL SELECT 'creating' FROM creations WHERE slug = $slug;";
        command.Parameters.AddWithValue("$slug", slug);
        var state = command.ExecuteScalar() as string;
        return state switch
        {
            null => CatalogState.Absent,
            "active" => CatalogState.Active,
            "archived" => CatalogState.Archived,
            "creating" => CatalogState.Creating,
            _ => CatalogState.Deleting,
        };
    }

    internal void ReleasePool() => SqliteConnections.ClearPool(_connectionString);

    /// <summary>Runs blocking SQLite work on a thread-pool thread; the work checks the token between its steps.</summary>
    private static Task<T> Run<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken)
        => cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<T>(cancellationToken)
            : Task.Run(() => work(cancellationToken), cancellationToken);

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

        return SqliteConnections.Open(_connectionString, _pragmas);
    }

    /// <summary>
    /// Version 1: <c>tenants</c>. Version 2: <c>tombstones</c>, the tenants whose delete has not finished. Version 3:
    /// <c>creations</c>, the tenants being created (by which process), so a creation killed midway is never half a tenant.
    /// </summary>
    private void CreateSchema()
    {
        DurableFiles.CreateDirectory(_router.DataRoot);
        try
        {
            using var connection = SqliteConnections.OpenUnpooled(Path, SqliteOpenMode.ReadWriteCreate, _router.BusyTimeoutMilliseconds);
            if (SqliteConnections.ReadVersion(connection, null) >= 3)
            {
                return;
            }

            SqliteConnections.Execute(connection, null, "PRAGMA journal_mode = WAL;");
            using var transaction = connection.BeginTransaction(deferred: false);
            if (SqliteConnections.ReadVersion(connection, transaction) < 3)
            {
                SqliteConnections.Execute(connection, transaction,
                    "CREATE TABLE IF NOT EXISTS tenants (slug TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('active', 'archived')), " +
                    "created_at TEXT NOT NULL, archived_at TEXT, template TEXT) WITHOUT ROWID; " +
                    "CREATE TABLE IF NOT EXISTS tombstones (slug TEXT NOT NULL PRIMARY KEY, deleted_at TEXT NOT NULL) WITHOUT ROWID; " +
                    "CREATE TABLE IF NOT EXISTS creations (slug TEXT NOT NULL PRIMARY KEY, pid INTEGER NOT NULL, process_started INTEGER NOT NULL, " +
                    "started_at TEXT NOT NULL) WITHOUT ROWID; PRAGMA user_version = 3;");
            }

            transaction.Commit();
        }
        catch (SqliteException ex) when (SqliteConnections.IsCorrupt(ex))
        {
            throw new InvalidOperationException(
                $"The tenant catalog {Path} is not a usable SQLite database ({ex.Message}). Restore it from a backup or move it aside; it was not changed.", ex);
        }
    }

    private TenantRecord? Find(string slug)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM tenants WHERE slug = $slug;";
        command.Parameters.AddWithValue("$slug", slug);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRecord(reader) : null;
    }

    private IReadOnlyList<TenantRecord> List(bool includeArchived)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = includeArchived
            ? $"SELECT {Columns} FROM tenants ORDER BY slug;"
            : $"SELECT {Columns} FROM tenants WHERE state = 'active' ORDER BY slug;";
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

    /// <summary>
    /// Creates a tenant in an order that needs one durable step, the file's own publication, and survives a kill at any
    /// point: (1) a <c>creations</c> row names the tenant and this process (no fsync: it only has to survive a crash of
    /// the process, which the page cache does); (2) the file is built aside, fsynced, published under its name and its
    /// folder fsynced — the durable step; (3) one transaction moves the tenant from <c>creations</c> to <c>tenants</c>,
    /// again without an fsync of its own (WAL, <c>synchronous = NORMAL</c>): it is written after the file is durable, and
    /// SQLite's log keeps commits in order, so a power loss can lose the record — back to "no tenant" — but never keep it
    /// without the file. Until (3) the tenant is not listed and cannot be entered; a creation whose process has died is
    /// taken over by the next <see cref="CreateAsync"/> of that name (its leftover file removed, the tenant built again)
    /// or cleared by <see cref="DeleteAsync"/>.
    /// </summary>
    private TenantRecord Create(string slug, string? template, CancellationToken cancellationToken)
    {
        RefuseExisting(slug);
        var path = _router.GetDatabasePath(slug);
        bool tookOver = BeginCreation(slug);
        try
        {
            if (tookOver)
            {
                // The file an interrupted creation may have published: complete, but never catalogued. Build it again.
                foreach (var file in DurableFiles.CompanionsFirst(path))
                {
                    DeleteFile(slug, file);
                }
            }

            if (Leftovers(slug).FirstOrDefault() is { } leftover)
            {
                throw new TenantAlreadyExistsException(slug,
                    $"Tenant '{slug}' is not catalogued, but {leftover} exists (left by an earlier tenant of that name, a split, or a process without the catalog). " +
                    $"It was not adopted. Adopt the files with TenantCatalog.ImportAsync(\"{slug}\"), or remove them with DeleteAsync(\"{slug}\") and create the tenant again.");
            }

            Action<SqliteConnection>? seed = null;
            if (template is not null)
            {
                var source = ExistingFile(template);
                seed = to =>
                {
                    using var from = SqliteConnections.OpenUnpooled(source, SqliteOpenMode.ReadOnly, _router.BusyTimeoutMilliseconds);
                    from.BackupDatabase(to);
                };
            }

            if (SqliteMigrator.CreateNew(_router, slug, path, seed, cancellationToken) is null)
            {
                throw new TenantAlreadyExistsException(slug,
                    $"{path} appeared while tenant '{slug}' was being created (another process created the same tenant). Use it, or delete it first.");
            }
        }
        catch
        {
            EndCreation(slug);
            throw;
        }

        // The file is durable and published: from here on, the record is written whatever the token says.
        return CompleteCreation(slug, template, path);
    }

    /// <summary>This process, as a <c>creations</c> row names it: its id and its start time (an id alone may be reused).</summary>
    private static readonly (long Pid, long Started) s_me = (Environment.ProcessId, ProcessStart(Process.GetCurrentProcess()));

    private static long ProcessStart(Process process) => process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;

    private static bool IsRunning(long pid, long started)
    {
        try
        {
            using var process = Process.GetProcessById((int)pid);
            return Math.Abs(ProcessStart(process) - started) <= 1;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process: it ended
        }
    }

    /// <summary>
    /// Records that this process creates <paramref name="slug"/>. Returns true when it took over the creation of a process
    /// that has died; refuses a creation another running process has under way.
    /// </summary>
    private bool BeginCreation(string slug)
    {
        using var connection = OpenCatalog();
        using var relaxed = RelaxedSync(connection);
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pid, process_started FROM creations WHERE slug = $slug;";
        command.Parameters.AddWithValue("$slug", slug);
        command.Parameters.AddWithValue("$pid", s_me.Pid);
        command.Parameters.AddWithValue("$started", s_me.Started);
        command.Parameters.AddWithValue("$now", TruncateToSeconds(DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
        bool tookOver = HasEndedCreation(command, slug);
        command.CommandText = tookOver
            ? "UPDATE creations SET pid = $pid, process_started = $started, started_at = $now WHERE slug = $slug;"
            : "INSERT INTO creations (slug, pid, process_started, started_at) VALUES ($slug, $pid, $started, $now);";
        command.ExecuteNonQuery();
        transaction.Commit();
        DurableFiles.Observer?.Invoke("creation-recorded", _router.GetDatabasePath(slug));
        return tookOver;
    }

    /// <summary>
    /// Reads <paramref name="slug"/>'s <c>creations</c> row with <paramref name="command"/> (its <c>$slug</c> set): refuses a
    /// creation that a running process (this one included) has under way; returns whether a creation by a process that has
    /// ended is left (to take over).
    /// </summary>
    private static bool HasEndedCreation(SqliteCommand command, string slug)
    {
        command.CommandText = "SELECT pid, process_started FROM creations WHERE slug = $slug;";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return false;
        }

        long pid = reader.GetInt64(0), started = reader.GetInt64(1);
        if ((pid, started) == s_me || IsRunning(pid, started))
        {
            throw new TenantAlreadyExistsException(slug,
                $"Tenant '{slug}' is being created by process {pid} right now (TenantCatalog.CreateAsync). Wait for it to finish, or pick another name.");
        }

        return true;
    }

    /// <summary>Removes this process's <c>creations</c> row (a creation that failed before its file was published).</summary>
    private void EndCreation(string slug)
    {
        try
        {
            using var connection = OpenCatalog();
            using var relaxed = RelaxedSync(connection);
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM creations WHERE slug = $slug AND pid = $pid AND process_started = $started;";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$pid", s_me.Pid);
            command.Parameters.AddWithValue("$started", s_me.Started);
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Left behind, the row is taken over by the next CreateAsync of this name once this process has ended.
        }
    }

    /// <summary>The record, in the transaction that ends this process's creation (refused when a delete cleared it meanwhile).</summary>
    private TenantRecord CompleteCreation(string slug, string? template, string path)
    {
        var record = new TenantRecord(slug, TenantState.Active, TruncateToSeconds(DateTimeOffset.UtcNow), null, template);
        using (var connection = OpenCatalog())
        using (var relaxed = RelaxedSync(connection))
        using (var transaction = connection.BeginTransaction(deferred: false))
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM creations WHERE slug = $slug AND pid = $pid AND process_started = $started;";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$pid", s_me.Pid);
            command.Parameters.AddWithValue("$started", s_me.Started);
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$template", (object?)template ?? DBNull.Value);
            if (command.ExecuteNonQuery() != 1)
            {
                throw new TenantAlreadyExistsException(slug,
                    $"The creation of tenant '{slug}' was cleared while it ran (DeleteAsync(\"{slug}\") ran meanwhile). Its file {path} was left as it was; delete it with DeleteAsync and create the tenant again.");
            }

            command.CommandText = $"INSERT INTO tenants ({Columns}) VALUES ($slug, 'active', $created, NULL, $template);";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        DurableFiles.Observer?.Invoke("catalogued", path);
        _router.Changed(slug, releasePool: false);
        return record;
    }

    /// <summary>
    /// <c>synchronous = NORMAL</c> on a catalog connection until disposed (then FULL again, the catalog's default): the
    /// commit is ordered in the log but not fsynced. Only the creation's rows use it (see <see cref="Create"/>).
    /// </summary>
    private static RelaxedSynchronous RelaxedSync(SqliteConnection connection)
    {
        SqliteConnections.Execute(connection, null, "PRAGMA synchronous = NORMAL;");
        return new RelaxedSynchronous(connection);
    }

    private readonly struct RelaxedSynchronous(SqliteConnection connection) : IDisposable
    {
        public void Dispose() => SqliteConnections.Execute(connection, null, "PRAGMA synchronous = FULL;");
    }

    /// <summary>
    /// Adopts an uncatalogued file. A creation under way (<see cref="CreateAsync"/> in a running process) is refused before
    /// the file is touched and again in the transaction that writes the record; the file a creation whose process has ended
    /// left behind is adopted, and that creation's row goes in the same transaction as the record is written.
    /// </summary>
    private TenantRecord Import(string slug, CancellationToken cancellationToken)
    {
        RefuseExisting(slug);
        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.Parameters.AddWithValue("$slug", slug);
            HasEndedCreation(command, slug);
        }

        var path = ExistingFile(slug);
        SqliteMigrator.Migrate(_router, slug, path, allowCreate: false, dryRun: false, cancellationToken);
        return Insert(slug);
    }

    private void RefuseExisting(string slug)
    {
        switch (StateOf(slug))
        {
            case CatalogState.Active or CatalogState.Archived:
                throw new TenantAlreadyExistsException(slug,
                    $"Tenant '{slug}' is already in the catalog. Pick another name, or delete it first with TenantCatalog.DeleteAsync(\"{slug}\") (or `tenantctl delete {slug} --yes`).");
            case CatalogState.Deleting:
                throw new TenantAlreadyExistsException(slug,
                    $"Tenant '{slug}' is still being deleted (an earlier delete was interrupted and left its tombstone). Finish it with " +
                    $"TenantCatalog.DeleteAsync(\"{slug}\"), then create the tenant again.");
        }
    }

    /// <summary>Files or folders under a tenant's name: its database and companions, its storage folder.</summary>
    private IEnumerable<string> Leftovers(string slug)
    {
        foreach (var file in DurableFiles.CompanionsFirst(_router.GetDatabasePath(slug)))
        {
            if (File.Exists(file))
            {
                yield return file;
            }
        }

        if (_router.GetStoragePath(slug) is { } storage && Directory.Exists(storage))
        {
            yield return storage;
        }
    }

    /// <summary>Writes an imported tenant's record, taking over (removing) the row of a creation whose process has ended.</summary>
    private TenantRecord Insert(string slug)
    {
        var record = new TenantRecord(slug, TenantState.Active, TruncateToSeconds(DateTimeOffset.UtcNow), null, null);
        using (var connection = OpenCatalog())
        using (var transaction = connection.BeginTransaction(deferred: false))
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            if (HasEndedCreation(command, slug))
            {
                command.CommandText = "DELETE FROM creations WHERE slug = $slug;";
                command.ExecuteNonQuery();
            }

            command.CommandText = $"INSERT INTO tenants ({Columns}) VALUES ($slug, 'active', $created, NULL, NULL);";
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == raw.SQLITE_CONSTRAINT)
            {
                throw new TenantAlreadyExistsException(slug, $"Tenant '{slug}' was catalogued by someone else at the same time. Use it, or pick another name.");
            }

            transaction.Commit();
        }

        _router.Changed(slug, releasePool: false);
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
                    "List the catalogued tenants with TenantCatalog.ListAsync() (or `tenantctl list --archived`).");
            }
        }

        _router.Changed(slug, releasePool: state == TenantState.Archived);
        return Find(slug)!;
    }

    private bool Delete(string slug, CancellationToken cancellationToken)
    {
        bool existed = Leftovers(slug).Any();
        using (var connection = OpenCatalog())
        using (var transaction = connection.BeginTransaction(deferred: false))
        using (var command = connection.CreateCommand())
        {
            // The record becomes a tombstone in one transaction: from now on the tenant cannot be entered or created again.
            command.Transaction = transaction;
            command.CommandText =
                "SELECT (SELECT count(*) FROM tenants WHERE slug = $slug) + (SELECT count(*) FROM tombstones WHERE slug = $slug) + " +
                "(SELECT count(*) FROM creations WHERE slug = $slug);";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$now", TruncateToSeconds(DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            existed |= (long)command.ExecuteScalar()! > 0;
            if (!existed)
            {
                return false;
            }

            command.CommandText = "DELETE FROM tenants WHERE slug = $slug; DELETE FROM creations WHERE slug = $slug; " +
                "INSERT OR IGNORE INTO tombstones (slug, deleted_at) VALUES ($slug, $now);";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        _router.Invalidate(slug);
        _router.Configuration?.Forget(slug);
        var path = _router.GetDatabasePath(slug);
        foreach (var file in DurableFiles.CompanionsFirst(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            DeleteFile(slug, file);
        }

        if (Directory.Exists(System.IO.Path.GetDirectoryName(path)))
        {
            DurableFiles.FlushDirectory(System.IO.Path.GetDirectoryName(path)!);
        }

        if (_router.GetStoragePath(slug) is { } storage && Directory.Exists(storage))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                Directory.Delete(storage, recursive: true);
                DurableFiles.FlushDirectory(System.IO.Path.GetDirectoryName(storage)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TenantDatabaseException(slug, path,
                    $"Tenant '{slug}' was removed from the catalog and its database deleted, but its storage folder {storage} could not be deleted ({ex.Message}). " +
                    "Fix the permissions or close the files in use, then run DeleteAsync again: until then the name stays reserved.", ex);
            }
        }

        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM tombstones WHERE slug = $slug;";
            command.Parameters.AddWithValue("$slug", slug);
            command.ExecuteNonQuery();
        }

        return true;
    }

    private static void DeleteFile(string slug, string file)
    {
        try
        {
            DurableFiles.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TenantDatabaseException(slug, file,
                $"Tenant '{slug}' was removed from the catalog, but {file} could not be deleted ({ex.Message}). Fix the permissions and run " +
                "DeleteAsync again: until then the name stays reserved.", ex);
        }
    }

    private string ExistingFile(string slug)
    {
        var path = _router.GetDatabasePath(slug);
        if (!File.Exists(path))
        {
            // A catalogued tenant whose file is gone must not be told to "create it": CreateAsync refuses a catalogued name.
            throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound, Find(slug) is null
                ? $"Tenant '{slug}' has no database file ({path}). Create it with TenantCatalog.CreateAsync(\"{slug}\"), or check the tenant name."
                : $"Tenant '{slug}' is in the catalog, but its database file {path} is missing (lost in a crash or removed by hand). " +
                  $"Restore the file from a backup with TenantCatalog.RestoreBackupAsync(\"{slug}\", FILE) (BackupAsync makes them; `tenantctl restore-backup {slug} --from FILE`), " +
                  $"or delete the tenant with TenantCatalog.DeleteAsync(\"{slug}\") (`tenantctl delete {slug} --yes`) and create it again.");
        }

        return path;
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
