using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>
/// The router of a SQLite-file-per-tenant deployment: maps a tenant to its file, checks it on first use in this process
/// (and again whenever another process changes the tenant: archive, delete, a newer schema), keeps the checked state in
/// memory so a warm open runs no SQL, bounds the tenants holding pooled connections
/// (<see cref="SqliteTenantOptions.MaxOpenTenants"/>, least recently used released first) and owns the
/// <see cref="Catalog"/>. <c>UseSqlite</c> creates one per configuration; reach it with <c>configuration.GetSqlite()</c>.
/// Tools may also create one directly.
/// </summary>
public sealed partial class SqliteTenantDatabases : IDisposable, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TenantFile> _files = new(StringComparer.Ordinal);
    private readonly OpenTenantSet _open;
    private readonly TenantPathTemplate _databasePath;
    private readonly TenantPathTemplate? _storagePath;
    private readonly string[] _reservedPaths;
    private readonly string _connectionPragmas;
    private readonly Lazy<TenantCatalog> _catalog;
    private readonly Lazy<TenantGenerations> _generations;
    private int _disposed;

    /// <summary>Creates a router over <paramref name="options"/>, checking them (a path template that could leave the data root, or put one tenant's files inside another's, is refused).</summary>
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

        if (options.UseCatalog && options.CreateAnyTenantOnFirstUse)
        {
            throw new ArgumentException(
                "UseCatalog and CreateAnyTenantOnFirstUse contradict each other: with the catalog, tenants are created with TenantCatalog.CreateAsync. " +
                "Set only one of them.", nameof(options));
        }

        DataRoot = Path.GetFullPath(options.DataRoot);
        _databasePath = TenantPathTemplate.Parse(DataRoot, options.PathTemplate, nameof(options.PathTemplate));
        _storagePath = options.StoragePathTemplate is null ? null : TenantPathTemplate.Parse(DataRoot, options.StoragePathTemplate, nameof(options.StoragePathTemplate));
        RefuseOverlappingTemplates();
        if (string.IsNullOrWhiteSpace(options.CatalogFileName) || options.CatalogFileName.IndexOfAny(['/', '\\']) >= 0 || options.CatalogFileName.StartsWith('.'))
        {
            throw new ArgumentException($"CatalogFileName \"{options.CatalogFileName}\" must be a plain file name inside DataRoot, such as \"platform.db\".", nameof(options));
        }

        CatalogPath = Path.Combine(DataRoot, options.CatalogFileName);
        GenerationsPath = CatalogPath + "-generations";
        _reservedPaths = [.. DurableFiles.CompanionsFirst(CatalogPath), GenerationsPath];
        Migrations = options.Migrations.ToArray();
        LatestVersion = options.Migrations.LatestVersion;
        MaxOpenTenants = options.MaxOpenTenants;
        UseCatalog = options.UseCatalog;
        CreateAnyTenantOnFirstUse = options.CreateAnyTenantOnFirstUse;
        JournalMode = options.JournalMode;
        Synchronous = options.Synchronous;
        BusyTimeoutMilliseconds = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
        _connectionPragmas =
            SqliteConnections.BusyTimeout(BusyTimeoutMilliseconds) + " " +
            $"PRAGMA foreign_keys = {(options.ForeignKeys ? "ON" : "OFF")}; PRAGMA synchronous = {options.Synchronous.ToString().ToUpperInvariant()};" +
            (JournalMode == SqliteJournalMode.Wal ? string.Empty : $" PRAGMA journal_mode = {JournalMode.ToString().ToUpperInvariant()};");
        _open = new OpenTenantSet(options.MaxOpenTenants);
        _catalog = new Lazy<TenantCatalog>(() => new TenantCatalog(this), LazyThreadSafetyMode.ExecutionAndPublication);
        _generations = new Lazy<TenantGenerations>(() => TenantGenerations.Open(GenerationsPath), LazyThreadSafetyMode.ExecutionAndPublication);
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
    public int OpenTenantCount => _open.Count;

    /// <summary>Whether entering a tenant requires an active record in the <see cref="Catalog"/>.</summary>
    public bool UseCatalog { get; }

    /// <summary>Whether any valid slug gets a new file on first use (<see cref="SqliteTenantOptions.CreateAnyTenantOnFirstUse"/>).</summary>
    public bool CreateAnyTenantOnFirstUse { get; }

    /// <summary>The platform database that records tenants and runs lifecycle operations. Created on first use.</summary>
    public TenantCatalog Catalog => _catalog.Value;

    internal IReadOnlyList<SqliteMigration> Migrations { get; }

    internal SqliteJournalMode JournalMode { get; }

    internal int BusyTimeoutMilliseconds { get; }

    /// <summary>The shared change counters' file (<c>{catalog}-generations</c>).</summary>
    internal string GenerationsPath { get; }

    internal TenantGenerations Generations => _generations.Value;

    /// <summary>How many tenants the router keeps state for (bounded: about four times <see cref="MaxOpenTenants"/>).</summary>
    internal int KnownTenantCount => _files.Count;

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
    /// <exception cref="ArgumentException">The slug is invalid, or reserved (its paths would be the catalog's).</exception>
    public SqliteTenantDatabase GetDatabase(string tenant)
    {
        var file = GetFile(TenantSlug.Validate(tenant));
        return Volatile.Read(ref file.Database)
            ?? Interlocked.CompareExchange(ref file.Database, new SqliteTenantDatabase(this, file), null)
            ?? file.Database;
    }

    /// <summary>Opens a connection to a tenant's file, checking it on first use (and creating it when <see cref="CreateAnyTenantOnFirstUse"/>).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <returns>An open, pooled connection with the configured pragmas; dispose it to return it to the pool.</returns>
    /// <exception cref="TenantDatabaseException">The file is newer than the code, not a database, not writable, catalogued but missing, or a migration failed.</exception>
    /// <exception cref="TenantUnavailableException">The tenant is archived, deleted, or unknown.</exception>
    public SqliteConnection OpenConnection(string tenant) => Open(GetFile(TenantSlug.Validate(tenant)));

    /// <summary>
    /// Creates (with <see cref="CreateAnyTenantOnFirstUse"/>, or when <paramref name="create"/> is true) and migrates a tenant's
    /// file, without keeping a connection. SQLite has no asynchronous I/O: the work runs on a thread-pool thread, one
    /// transaction per step, and <paramref name="cancellationToken"/> is honoured before each step (finished steps stay).
    /// </summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="create">Create the file when it does not exist, whatever <see cref="CreateAnyTenantOnFirstUse"/> says.</param>
    /// <param name="cancellationToken">Stops before the next step.</param>
    /// <returns>The version the file was at before, and the version it is at now.</returns>
    public Task<(int FromVersion, int ToVersion)> MigrateAsync(string tenant, bool create = false, CancellationToken cancellationToken = default)
    {
        var file = GetFile(TenantSlug.Validate(tenant));
        return Task.Run(() => MigrateFile(file, create || CreateAnyTenantOnFirstUse, cancellationToken), cancellationToken);
    }

    /// <summary>Releases a tenant's pooled connections (its files are closed once connections in use are returned).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    public void Release(string tenant)
    {
        if (_files.TryGetValue(TenantSlug.Validate(tenant), out var file))
        {
            _open.Release(file);
        }
        else
        {
            SqliteConnections.ClearPool(SqliteConnections.ConnectionString(GetDatabasePath(tenant)));
        }
    }

    internal TenantFile GetFile(string slug)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_files.TryGetValue(slug, out var file))
        {
            return file;
        }

        var path = _databasePath.Resolve(slug);
        RefuseReserved(slug, path);
        if (_files.Count >= 4 * MaxOpenTenants + 64)
        {
            Trim();
        }

        return _files.GetOrAdd(slug, static (s, p) => new TenantFile(s, p), path);
    }

    /// <summary>Forgets tenants that hold no pooled connection (an object handed out for one keeps working on its own).</summary>
    private void Trim()
    {
        foreach (var pair in _files)
        {
            if (Volatile.Read(ref pair.Value.Open) == 0)
            {
                _files.TryRemove(pair);
            }
        }
    }

    /// <summary>Refuses a slug whose database or storage path is, holds or lies in the catalog or its companions (<c>PathTemplate = "{tenant}.db"</c> and tenant <c>platform</c>).</summary>
    internal void RefuseReserved(string slug, string databasePath)
    {
        var storage = _storagePath?.Resolve(slug);
        foreach (var reserved in _reservedPaths)
        {
            if (Overlaps(databasePath, reserved) || (storage is not null && Overlaps(storage, reserved)))
            {
                throw new ArgumentException(
                    $"Tenant name '{slug}' is reserved here: its files would be {reserved}, which belongs to the tenant catalog. " +
                    "Pick another name, or give the catalog another CatalogFileName or the tenants a PathTemplate in a folder of their own (\"tenants/{tenant}.db\").",
                    "tenant");
            }
        }
    }

    private static bool Overlaps(string a, string b)
        => string.Equals(a, b, StringComparison.Ordinal)
            || a.StartsWith(b + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || b.StartsWith(a + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private void RefuseOverlappingTemplates()
    {
        var databaseFiles = new[] { _databasePath, _databasePath.WithSuffix("-wal"), _databasePath.WithSuffix("-shm"), _databasePath.WithSuffix("-journal") };
        foreach (var companion in databaseFiles.Skip(1))
        {
            if (_databasePath.CanOverlap(companion))
            {
                throw new ArgumentException(
                    $"PathTemplate \"{_databasePath}\" is refused: one tenant's database could be another tenant's {companion.ToString()[(_databasePath.ToString().Length)..]} file " +
                    "(tenant \"a-wal\" would open tenant \"a\"'s log). End the file name with an extension, such as \"tenants/{tenant}.db\".", "options");
            }
        }

        if (_storagePath is null)
        {
            return;
        }

        foreach (var database in databaseFiles)
        {
            if (database.CanOverlap(_storagePath) || _storagePath.CanOverlap(database))
            {
                throw new ArgumentException(
                    $"PathTemplate \"{_databasePath}\" and StoragePathTemplate \"{_storagePath}\" overlap: one tenant's database could lie in another tenant's " +
                    "storage folder (or be it), where that tenant could read or delete it. Give each its own folder, such as \"tenants/{tenant}.db\" and " +
                    "\"files/{tenant}\", or nest both under the tenant's own folder: \"wikis/{tenant}/wiki.db\" and \"wikis/{tenant}/pages\".", "options");
            }
        }
    }

    internal static TenantUnavailableException Unavailable(string slug, TenantUnavailableReason reason, string? detail = null) => reason == TenantUnavailableReason.Archived
        ? new TenantUnavailableException(slug, reason,
            $"Tenant '{slug}' was archived; its database can no longer be opened. Restore it with TenantCatalog.RestoreAsync(\"{slug}\") " +
            "(or `tenantctl restore`) and enter a new scope.")
        : new TenantUnavailableException(slug, reason, detail ??
            $"Tenant '{slug}' was deleted; its database is gone. Create it again with TenantCatalog.CreateAsync(\"{slug}\") " +
            "(or restore a backup) and enter a new scope.");

    internal static string ConnectionStringFor(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite, bool pooling = true)
        => SqliteConnections.ConnectionString(path, mode, pooling);

    /// <summary>Forgets a tenant's in-memory state before its file is deleted: objects handed out for it refuse to open from now on.</summary>
    internal void Invalidate(string slug)
    {
        var file = GetFile(slug);
        lock (file)
        {
            file.Deleted = true;
            file.Ready = false;
        }

        _open.Release(file);
        _files.TryRemove(new KeyValuePair<string, TenantFile>(slug, file));
        Generations.Bump(slug);
    }

    /// <summary>Records a change to a tenant (archive, restore, create, a migration step) for every process, and drops this process's cached state.</summary>
    internal void Changed(string slug, bool releasePool)
    {
        Generations.Bump(slug);
        if (releasePool && _files.TryGetValue(slug, out var file))
        {
            _open.Release(file);
        }

        Configuration?.Forget(slug);
    }

    /// <summary>Releases every pooled connection of this router's tenants and of the catalog.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var file in _files.Values)
        {
            _open.Release(file);
        }

        _files.Clear();
        if (_catalog.IsValueCreated)
        {
            _catalog.Value.ReleasePool();
        }

        if (_generations.IsValueCreated)
        {
            _generations.Value.Dispose();
        }
    }

    /// <summary>Releases every pooled connection (closing files is synchronous in SQLite; this completes at once).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}
