namespace Tenancy.Sqlite;

/// <summary>How the tenants' SQLite files are laid out, opened and migrated. Set through <c>builder.UseSqlite(o => …)</c>.</summary>
public sealed class SqliteTenantOptions
{
    /// <summary>The folder that holds every tenant file and the catalog (<c>data</c> by default, relative to the current directory).</summary>
    public string DataRoot { get; set; } = "data";

    /// <summary>
    /// Where a tenant's database lives under <see cref="DataRoot"/>; <c>{tenant}</c> is replaced by the tenant's slug
    /// (<c>tenants/{tenant}.db</c> by default; <c>wikis/{tenant}/wiki.db</c> also works). It must be relative, use
    /// <c>{tenant}</c> once, and contain no <c>..</c> segment, so that no tenant can reach a file outside <see cref="DataRoot"/>; a
    /// template under which one tenant's database could be another's <c>-wal</c> file (<c>"{tenant}"</c>) is refused. A tenant
    /// whose database would be the catalog (<c>"{tenant}.db"</c> and tenant <c>platform</c>) is refused by name.
    /// </summary>
    public string PathTemplate { get; set; } = "tenants/{tenant}.db";

    /// <summary>
    /// The tenant's file-storage folder under <see cref="DataRoot"/> (same rules as <see cref="PathTemplate"/>), deleted with the
    /// tenant by <see cref="TenantCatalog.DeleteAsync"/>. Null (the default) when the package does not manage one. Templates under
    /// which one tenant's database could lie in another tenant's folder (<c>f/{tenant}</c> and <c>f/{tenant}-db/x.db</c>) are
    /// refused; a tenant's database inside its own folder (<c>w/{tenant}/wiki.db</c> and <c>w/{tenant}/pages</c>) is fine.
    /// </summary>
    public string? StoragePathTemplate { get; set; }

    /// <summary>The catalog's file under <see cref="DataRoot"/> (<c>platform.db</c> by default).</summary>
    public string CatalogFileName { get; set; } = "platform.db";

    /// <summary>
    /// When true, a tenant can be entered only if <see cref="TenantCatalog"/> lists it as active: unknown tenants are refused with
    /// <see cref="TenantUnavailableReason.NotFound"/> and archived ones with <see cref="TenantUnavailableReason.Archived"/>, in
    /// every process that uses this data root. Files are created only by <see cref="TenantCatalog.CreateAsync"/> (and the split).
    /// </summary>
    public bool UseCatalog { get; set; }

    /// <summary>
    /// Without <see cref="UseCatalog"/>: when true, resolution is <em>open</em> — any valid slug gets a new database file on its
    /// first use, so anyone who can choose a tenant name (a subdomain, a path segment) creates a file. False by default: only
    /// tenants whose file exists are served (make them with <see cref="TenantCatalog.CreateAsync"/> or
    /// <c>MigrateAsync(tenant, create: true)</c>), and an unknown tenant is refused with <see cref="TenantUnavailableReason.NotFound"/>.
    /// Cannot be combined with <see cref="UseCatalog"/>.
    /// </summary>
    public bool CreateAnyTenantOnFirstUse { get; set; }

    /// <summary>The schema steps applied to every tenant database, in version order, on first use.</summary>
    public SqliteMigrationCollection Migrations { get; } = new();

    /// <summary>
    /// The most tenants that keep pooled connections (open files) at once, 256 by default. Past it, the least recently used
    /// tenants' pools are cleared, so thousands of tenants never mean thousands of open files.
    /// </summary>
    public int MaxOpenTenants { get; set; } = 256;

    /// <summary>The journal mode written into each new database (<see cref="SqliteJournalMode.Wal"/> by default; it persists in the file).</summary>
    public SqliteJournalMode JournalMode { get; set; } = SqliteJournalMode.Wal;

    /// <summary><c>PRAGMA synchronous</c> for each connection (<see cref="SqliteSynchronous.Normal"/> by default, safe with WAL).</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary><c>PRAGMA busy_timeout</c>: how long a connection waits for another writer (5 seconds by default).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>PRAGMA foreign_keys</c> for each connection (on by default).</summary>
    public bool ForeignKeys { get; set; } = true;
}

/// <summary>SQLite's journal modes (<c>PRAGMA journal_mode</c>).</summary>
public enum SqliteJournalMode
{
    /// <summary>Write-ahead log: readers never block the writer. Persists in the file.</summary>
    Wal,

    /// <summary>Rollback journal deleted at the end of each transaction.</summary>
    Delete,

    /// <summary>Rollback journal truncated at the end of each transaction.</summary>
    Truncate,
}

/// <summary>SQLite's durability levels (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronous
{
    /// <summary>No syncs: fastest, a power loss may corrupt the database.</summary>
    Off,

    /// <summary>Syncs at checkpoints: with WAL, atomic and consistent; the last commits may roll back after a power loss.</summary>
    Normal,

    /// <summary>Syncs at every commit.</summary>
    Full,
}
