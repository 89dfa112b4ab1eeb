using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tenancy.Sqlite;

/// <summary>
/// The router of a SQLite-file-per-tenant deployment: maps a tenant to its file, creates and migrates the file on first
/// use (once, across threads and processes), keeps the migrated state in memory so a warm open runs no SQL, bounds the
/// tenants holding pooled connections (<see cref="SqliteTenantOptions.MaxOpenTenants"/>, least recently used released
/// first) and owns the <see cref="Catalog"/>. <c>UseSqlite</c> creates one per configuration; reach it with
/// <c>configuration.GetSqlite()</c>. Tools may also create one directly.
/// </summary>
public sealed class SqliteTenantDatabases : IDisposable, IAsyncDisposable
{
    private static readonly ConditionalWeakTable<sqlite3, object> InitializedHandles = new();
    private static readonly object Marker = new();

    private readonly ConcurrentDictionary<string, TenantFile> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TenantFile, byte> _open = new();
    private readonly object _releaseGate = new();
    private readonly TenantPathTemplate _databasePath;
    private readonly TenantPathTemplate? _storagePath;
    private readonly string _connectionPragmas;
    private readonly Lazy<TenantCatalog> _catalog;
    private int _openCount;
    private int _disposed;

    /// <summary>Creates a router over <paramref name="options"/>, checking them (a path template that could leave the data root is refused).</summary>
    /// <param name="options">The layout, migrations and connection settings. Later changes to it are not seen.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message says which and how to fix it.</exception>
    public SqliteTenantDatabases(SqliteTenantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataRoot))
        {
            throw new ArgumentException("DataRoot is empty. Set it to the folder that holds the tenant files, for example \"data\".", nameof(options));
        }

        if (options.MaxOpenTenants < 1)
        {
            throw new ArgumentException($"MaxOpenTenants is {options.MaxOpenTenants}; it must be at least 1 (256 is a good start).", nameof(options));
        }

        if (options.BusyTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("BusyTimeout must not be negative.", nameof(options));
        }

        DataRoot = Path.GetFullPath(options.DataRoot);
        _databasePath = TenantPathTemplate.Parse(DataRoot, options.PathTemplate, nameof(options.PathTemplate));
        _storagePath = options.StoragePathTemplate is null ? null : TenantPathTemplate.Parse(DataRoot, options.StoragePathTemplate, nameof(options.StoragePathTemplate));
        if (string.IsNullOrWhiteSpace(options.CatalogFileName) || options.CatalogFileName.IndexOfAny(['/', '\\']) >= 0 || options.CatalogFileName.StartsWith('.'))
        {
            throw new ArgumentException($"CatalogFileName \"{options.CatalogFileName}\" must be a plain file name inside DataRoot, such as \"platform.db\".", nameof(options));
        }

        CatalogPath = Path.Combine(DataRoot, options.CatalogFileName);
        Migrations = options.Migrations.ToArray();
        LatestVersion = options.Migrations.LatestVersion;
        MaxOpenTenants = options.MaxOpenTenants;
        UseCatalog = options.UseCatalog;
        JournalMode = options.JournalMode;
        Synchronous = options.Synchronous;
        BusyTimeoutMilliseconds = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
        _connectionPragmas =
            string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; ") +
            $"PRAGMA foreign_keys = {(options.ForeignKeys ? "ON" : "OFF")}; PRAGMA synchronous = {options.Synchronous.ToString().ToUpperInvariant()};" +
            (JournalMode == SqliteJournalMode.Wal ? string.Empty : $" PRAGMA journal_mode = {JournalMode.ToString().ToUpperInvariant()};");
        _catalog = new Lazy<TenantCatalog>(() => new TenantCatalog(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The configured durability level; the migrator applies it too (a new tenant's steps do not fsync each commit under WAL).</summary>
    internal SqliteSynchronous Synchronous { get; }

    /// <summary>The absolute folder that holds the tenant files and the catalog.</summary>
    public string DataRoot { get; }

    /// <summary>The absolute path of the catalog database.</summary>
    public string CatalogPath { get; }

    /// <summary>The schema version a fully migrated tenant database has.</summary>
    public int LatestVersion { get; }

    /// <summary>The most tenants that keep pooled connections at once.</summary>
    public int MaxOpenTenants { get; }

    /// <summary>How many tenants hold pooled connections right now (at most <see cref="MaxOpenTenants"/> once an open returns).</summary>
    public int OpenTenantCount => Volatile.Read(ref _openCount);

    /// <summary>Whether entering a tenant requires an active record in the <see cref="Catalog"/>.</summary>
    public bool UseCatalog { get; }

    /// <summary>The platform database that records tenants and runs lifecycle operations. Created on first use.</summary>
    public TenantCatalog Catalog => _catalog.Value;

    internal IReadOnlyList<SqliteMigration> Migrations { get; }

    internal SqliteJournalMode JournalMode { get; }

    internal int BusyTimeoutMilliseconds { get; }

    /// <summary>The configuration this router belongs to (set by <c>UseSqlite</c>), so the catalog can make it forget tenants.</summary>
    internal TenantConfiguration? Configuration { get; set; }

    /// <summary>The absolute path of a tenant's database file.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <exception cref="InvalidTenantSlugException">The slug is invalid.</exception>
    public string GetDatabasePath(string tenant) => _databasePath.Resolve(TenantSlug.Validate(tenant));

    /// <summary>The absolute path of a tenant's storage folder, or null when <see cref="SqliteTenantOptions.StoragePathTemplate"/> is not set.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    public string? GetStoragePath(string tenant) => _storagePath?.Resolve(TenantSlug.Validate(tenant));

    /// <summary>The database of one tenant (what <c>TenantContext.GetDb()</c> returns under <c>UseSqlite</c>).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    public SqliteTenantDatabase GetDatabase(string tenant)
    {
        var file = GetFile(TenantSlug.Validate(tenant));
        return Volatile.Read(ref file.Database)
            ?? Interlocked.CompareExchange(ref file.Database, new SqliteTenantDatabase(this, file), null)
            ?? file.Database;
    }

    /// <summary>Opens a connection to a tenant's file, creating and migrating it first if needed.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <returns>An open, pooled connection with the configured pragmas; dispose it to return it to the pool.</returns>
    /// <exception cref="TenantDatabaseException">The file is newer than the code, not a database, not writable, or a migration failed.</exception>
    public SqliteConnection OpenConnection(string tenant) => Open(GetFile(TenantSlug.Validate(tenant)));

    /// <summary>Creates and migrates a tenant's file if needed, without keeping a connection.</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="cancellationToken">Cancels before the work starts.</param>
    /// <returns>The version the file was at before, and the version it is at now.</returns>
    public Task<(int FromVersion, int ToVersion)> MigrateAsync(string tenant, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = GetFile(TenantSlug.Validate(tenant));
        return Task.FromResult(EnsureReady(file));
    }

    /// <summary>Releases a tenant's pooled connections (its files are closed once connections in use are returned).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    public void Release(string tenant)
    {
        if (_files.TryGetValue(TenantSlug.Validate(tenant), out var file))
        {
            Release(file);
        }
        else
        {
            ClearPool(ConnectionStringFor(GetDatabasePath(tenant)));
        }
    }

    internal TenantFile GetFile(string slug)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _files.TryGetValue(slug, out var file) ? file : _files.GetOrAdd(slug, s => new TenantFile(s, _databasePath.Resolve(s)));
    }

    internal SqliteConnection Open(TenantFile file)
    {
        if (file.Unavailable is { } reason)
        {
            throw Unavailable(file, reason);
        }

        if (!file.Ready && TryOpenCold(file) is { } cold)
        {
            return cold;
        }

        Touch(file);
        var connection = new SqliteConnection(file.ConnectionString);
        try
        {
            connection.Open();
            var handle = connection.Handle!;
            if (!InitializedHandles.TryGetValue(handle, out _))
            {
                using (var command = connection.CreateCommand())
                {
                    command.CommandText = _connectionPragmas;
                    command.ExecuteNonQuery();
                }

                InitializedHandles.AddOrUpdate(handle, Marker);
            }
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            if (!File.Exists(file.Path))
            {
                file.Ready = false;
                throw new TenantDatabaseException(file.Slug, file.Path,
                    $"The database file of tenant '{file.Slug}' ({file.Path}) disappeared while the tenant was in use ({ex.Message}). " +
                    "Delete tenants through TenantCatalog.DeleteAsync; open the tenant again to create a new, empty database.", ex);
            }

            throw;
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    /// <summary>
    /// First use of a tenant in this process. An existing file is checked on the pooled connection that is handed out (no
    /// separate open and close: closing the last connection to a WAL file checkpoints it); anything but a file at the latest
    /// version in the configured journal mode goes through <see cref="EnsureReady"/>, which creates, migrates or reports it.
    /// </summary>
    /// <returns>The checked connection, or null when the file was made ready and a normal open should follow.</returns>
    private SqliteConnection? TryOpenCold(TenantFile file)
    {
        if (File.Exists(file.Path))
        {
            SqliteConnection? connection = null;
            try
            {
                connection = new SqliteConnection(file.ConnectionString);
                connection.Open();
                var handle = connection.Handle!;
                if (!InitializedHandles.TryGetValue(handle, out _))
                {
                    using var pragmas = connection.CreateCommand();
                    pragmas.CommandText = _connectionPragmas; // busy_timeout returns a row: keep it out of the version check below
                    pragmas.ExecuteNonQuery();
                    InitializedHandles.AddOrUpdate(handle, Marker);
                }

                using (var command = connection.CreateCommand())
                {
                    command.CommandText = "PRAGMA user_version; PRAGMA journal_mode;";
                    int version;
                    string? journal;
                    using (var reader = command.ExecuteReader())
                    {
                        reader.Read();
                        version = reader.GetInt32(0);
                        reader.NextResult();
                        reader.Read();
                        journal = reader.GetString(0);
                    }

                    bool current = version == LatestVersion &&
                        (JournalMode != SqliteJournalMode.Wal || string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase));
                    if (current)
                    {
                        lock (file)
                        {
                            if (file.Unavailable is null)
                            {
                                file.Ready = true;
                            }
                        }

                        if (file.Ready)
                        {
                            Touch(file);
                            return connection;
                        }
                    }
                }
            }
            catch (SqliteException)
            {
                // Not a database, locked, unreadable: EnsureReady reports it precisely (or waits and migrates).
            }

            if (connection is not null)
            {
                connection.Dispose();
                ClearPool(file.ConnectionString); // never keep a pooled handle to a file we did not accept
            }

            if (file.Unavailable is { } reason)
            {
                throw Unavailable(file, reason);
            }
        }

        EnsureReady(file);
        return null;
    }

    /// <summary>Creates a tenant's file as a copy of <paramref name="templatePath"/> (online backup), migrated, fsynced once and published without overwriting.</summary>
    /// <returns>False when the file appeared meanwhile (another creator won).</returns>
    internal bool CreateFromTemplate(string slug, string templatePath)
    {
        var file = GetFile(slug);
        lock (file)
        {
            var created = SqliteMigrator.CreateNew(this, slug, file.Path, to =>
            {
                using var from = new SqliteConnection(ConnectionStringFor(templatePath, SqliteOpenMode.ReadOnly, pooling: false));
                from.Open();
                SqliteMigrator.Execute(from, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};"));
                from.BackupDatabase(to);
            });
            if (created is null)
            {
                return false;
            }

            file.Ready = true;
            return true;
        }
    }

    internal static TenantUnavailableException Unavailable(TenantFile file, TenantUnavailableReason reason) => reason == TenantUnavailableReason.Archived
        ? new TenantUnavailableException(file.Slug, reason,
            $"Tenant '{file.Slug}' was archived; its database can no longer be opened. Restore it with TenantCatalog.RestoreAsync(\"{file.Slug}\") " +
            "(or `tenantctl restore`) and enter a new scope.")
        : new TenantUnavailableException(file.Slug, reason,
            $"Tenant '{file.Slug}' was deleted; its database is gone. Create it again with TenantCatalog.CreateAsync(\"{file.Slug}\") " +
            "(or restore a backup) and enter a new scope.");

    /// <summary>Creates and migrates the file if needed; returns (from, to) versions.</summary>
    internal (int FromVersion, int ToVersion) EnsureReady(TenantFile file)
    {
        lock (file)
        {
            if (file.Ready)
            {
                return (LatestVersion, LatestVersion);
            }

            var result = SqliteMigrator.Migrate(this, file.Slug, file.Path, dryRun: false);
            file.Ready = true;
            return result;
        }
    }

    internal void Touch(TenantFile file)
    {
        file.LastUsed = Stopwatch.GetTimestamp();
        if (Volatile.Read(ref file.Open) != 0 || Interlocked.CompareExchange(ref file.Open, 1, 0) != 0)
        {
            return;
        }

        _open.TryAdd(file, 0);
        if (Interlocked.Increment(ref _openCount) > MaxOpenTenants)
        {
            ReleaseLeastRecentlyUsed(file);
        }
    }

    private void ReleaseLeastRecentlyUsed(TenantFile keep)
    {
        lock (_releaseGate)
        {
            int excess = Volatile.Read(ref _openCount) - MaxOpenTenants;
            if (excess <= 0)
            {
                return;
            }

            // Release a batch (an eighth of the bound) so that a stream of cold tenants sorts the open set rarely.
            int target = excess + Math.Max(1, MaxOpenTenants / 8);
            var candidates = new List<TenantFile>(_open.Count);
            foreach (var pair in _open)
            {
                if (!ReferenceEquals(pair.Key, keep))
                {
                    candidates.Add(pair.Key);
                }
            }

            candidates.Sort(static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
            for (int i = 0; i < candidates.Count && i < target; i++)
            {
                Release(candidates[i]);
            }
        }
    }

    internal void Release(TenantFile file)
    {
        if (Interlocked.CompareExchange(ref file.Open, 0, 1) == 1)
        {
            _open.TryRemove(file, out _);
            Interlocked.Decrement(ref _openCount);
        }

        ClearPool(file.ConnectionString);
    }

    /// <summary>Forgets a tenant's in-memory state before its file is deleted: objects handed out for it refuse to open from now on.</summary>
    internal void Invalidate(string slug)
    {
        var file = GetFile(slug);
        lock (file)
        {
            file.Unavailable = TenantUnavailableReason.NotFound;
            file.Ready = false;
        }

        Release(file);
        _files.TryRemove(new KeyValuePair<string, TenantFile>(slug, file));
    }

    /// <summary>Marks a tenant archived (or available again) for connections opened from now on.</summary>
    internal void SetArchived(string slug, bool archived)
    {
        var file = GetFile(slug);
        file.Unavailable = archived ? TenantUnavailableReason.Archived : null;
        if (archived)
        {
            Release(file);
        }
    }

    internal static void ClearPool(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    internal static string ConnectionStringFor(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite, bool pooling = true)
        => new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = pooling, Cache = SqliteCacheMode.Private }.ToString();

    /// <summary>Releases every pooled connection of this router's tenants and of the catalog.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var file in _files.Values)
        {
            Release(file);
        }

        _files.Clear();
        if (_catalog.IsValueCreated)
        {
            _catalog.Value.ReleasePool();
        }
    }

    /// <summary>Releases every pooled connection (closing files is synchronous in SQLite; this completes at once).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}

/// <summary>The router's in-memory state for one tenant file.</summary>
internal sealed class TenantFile
{
    public readonly string Slug;
    public readonly string Path;
    public readonly string ConnectionString;
    public volatile bool Ready;
    public int Open;
    public long LastUsed;
    public SqliteTenantDatabase? Database;
    private int _unavailable = -1;

    public TenantFile(string slug, string path)
    {
        Slug = slug;
        Path = path;
        ConnectionString = SqliteTenantDatabases.ConnectionStringFor(path);
    }

    public TenantUnavailableReason? Unavailable
    {
        get
        {
            int value = Volatile.Read(ref _unavailable);
            return value < 0 ? null : (TenantUnavailableReason)value;
        }

        set => Volatile.Write(ref _unavailable, value is { } v ? (int)v : -1);
    }
}
