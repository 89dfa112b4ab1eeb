using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// Where the PostgreSQL tenants live and how they are routed, migrated and bounded. Set through
/// <c>builder.UsePostgres(o => …)</c>.
/// </summary>
public sealed class PostgresTenantOptions
{
    private readonly Dictionary<string, string> _shards = new(StringComparer.Ordinal);

    /// <summary>
    /// The connection string of the catalog database: the tenants, the shard map (each tenant's shard, isolation and
    /// epoch) and the migration record, in the schema <c>tenancy</c>, created on first use. Required.
    /// </summary>
    public string? Catalog { get; set; }

    /// <summary>The shards by name (one database on one server each), as added with <see cref="AddShard"/>.</summary>
    public IReadOnlyDictionary<string, string> Shards => _shards;

    /// <summary>
    /// Adds a shard: one database on one server. Schema tenants get a schema in it, <see cref="PostgresIsolation.Rows"/>
    /// tenants share its tables, and <see cref="PostgresIsolation.Database"/> tenants get a database of their own on the
    /// same server (with the same credentials).
    /// </summary>
    /// <remarks>
    /// The catalog records each shard's name and connection string when a process first uses it (and updates the string
    /// when a process gives another), so tools given only the catalog (<c>tenantctl --postgres</c>) can reach the shards.
    /// The password is never recorded: such tools supply it themselves (<c>PGPASSWORD</c>, a pgpass file, or their own
    /// connection string's password). See <see cref="PostgresTenantCatalog.ReadShardsAsync"/>.
    /// </remarks>
    /// <param name="name">The shard's name, recorded in the catalog (a valid tenant slug: <c>main</c>, <c>eu-2</c>).</param>
    /// <param name="connectionString">An Npgsql connection string to the shard's database.</param>
    /// <returns>These options, for chaining.</returns>
    public PostgresTenantOptions AddShard(string name, string connectionString)
    {
        TenantSlug.Validate(name, nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _ = new NpgsqlConnectionStringBuilder(connectionString); // a malformed string fails here, not at the first request
        if (!_shards.TryAdd(name, connectionString))
        {
            throw new ArgumentException($"A shard named '{name}' was already added. Give each shard its own name.", nameof(name));
        }

        DefaultShard ??= name;
        return this;
    }

    /// <summary>The shard new tenants go to unless <c>CreateAsync</c> names one (the first shard added, by default).</summary>
    public string? DefaultShard { get; set; }

    /// <summary>How new tenants are kept apart unless <c>CreateAsync</c> says otherwise (<see cref="PostgresIsolation.Schema"/> by default).</summary>
    public PostgresIsolation Isolation { get; set; } = PostgresIsolation.Schema;

    /// <summary>
    /// The name of a schema tenant's schema; <c>{tenant}</c> is replaced by the validated slug (<c>tenant_{tenant}</c> by
    /// default). The result is always used as a quoted identifier and must fit PostgreSQL's 63-byte limit.
    /// </summary>
    public string SchemaTemplate { get; set; } = "tenant_{tenant}";

    /// <summary>
    /// The name of a database tenant's database on its shard's server; <c>{tenant}</c> is replaced by the validated slug
    /// (<c>tenant_{tenant}</c> by default).
    /// </summary>
    public string DatabaseTemplate { get; set; } = "tenant_{tenant}";

    /// <summary>
    /// The one tenant whose data stays in the default shard's <c>public</c> schema: a deployment that has not adopted
    /// tenants yet (typically with <c>builder.DefaultTenant(thatTenant)</c>). Null by default, and then no tenant ever
    /// reaches <c>public</c>: there is no silent fallback. This tenant needs no catalog record, and migrations run in
    /// <c>public</c>.
    /// </summary>
    public string? PublicSchemaTenant { get; set; }

    /// <summary>The schema steps applied to every tenant (its schema or database; once per shard for <see cref="PostgresIsolation.Rows"/>).</summary>
    public PostgresMigrationCollection Migrations { get; } = new();

    /// <summary>
    /// When true, each schema tenant's schema and objects belong to a role of its own (named like the schema), and its
    /// connections act as that role (the <c>role</c> startup parameter), so tenant A cannot read tenant B's tables even
    /// with a schema-qualified name. The shard's login must be allowed to create roles. Off by default.
    /// </summary>
    /// <remarks>
    /// The connections log in as the shard's user and switch to the tenant role at start-up; SQL that runs
    /// <c>RESET ROLE</c> gets the login's own rights back. Give the login no rights on tenant schemas (tenant roles own
    /// them) and do not run SQL from untrusted sources.
    /// </remarks>
    public bool EnforceWithRoles { get; set; }

    /// <summary>
    /// The most per-tenant data sources (connection pools) kept at once, 256 by default. Past it, the least recently used
    /// are closed (never one that has connections out), so thousands of tenants never mean thousands of pools.
    /// </summary>
    public int MaxOpenTenants { get; set; } = 256;

    /// <summary>
    /// The most physical connections one shard's server gets from this process across all its tenants (schema, database
    /// and rows), 50 by default. A tenant that needs a new connection when the budget is spent closes the idle pools of
    /// the least recently used tenants, or waits for a connection to be returned (up to the connection timeout). Keep the
    /// sum over all processes below the server's <c>max_connections</c>.
    /// </summary>
    public int MaxConnectionsPerShard { get; set; } = 50;

    /// <summary>
    /// How stale a process's view of a tenant's catalog record may be when it opens a connection (2 seconds by default):
    /// an archive, delete or placement change made by another process takes effect for new connections within this time
    /// (at once in the process that made it). Zero reads the catalog on every open.
    /// </summary>
    public TimeSpan CatalogStaleness { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether each schema or database tenant's pool loads the server's type catalog on its first connection (Npgsql's
    /// type-loading query: tens of milliseconds, repeated for every tenant that becomes active). Off by default: tenants'
    /// pools know PostgreSQL's built-in types only (<c>ServerCompatibilityMode.NoTypeLoading</c>), which is what a cold
    /// tenant among thousands can afford. Turn it on when tenants' tables use enums, composite types, domains over
    /// non-built-in types, or extension types (<c>hstore</c>, <c>citext</c>, PostGIS). Rows tenants share their shard's pool,
    /// which always loads types.
    /// </summary>
    public bool LoadServerTypesPerTenant { get; set; }

    /// <summary>
    /// The column that says which tenant a shared row belongs to, in the tables of <see cref="PostgresIsolation.Rows"/>
    /// tenants (<c>tenant_id</c> by default; the app's own, e.g. <c>website_id</c>). An integer column holds the tenant's
    /// catalog key (<see cref="PostgresTenantRecord.Key"/>, as <see cref="PostgresTenantSettings.TenantKey"/> carries it), a
    /// text column its slug. Moves of rows tenants copy, verify and delete the tenant's rows in every table of the shard's
    /// <c>public</c> schema that has this column (or the one <see cref="TenantColumns"/> names for it); other tables are
    /// shared and are not moved. Schema and database tenants keep the column when promoted from rows. For a tenant's rows to
    /// move, their keys must not exist on the target shard: make each such table's primary key include this column
    /// (<c>PRIMARY KEY (website_id, id)</c>, the id from the shard's sequence), or use UUIDs. A move raises the target's
    /// sequences to the source's (never lowers them), so every shard's sequences stay past every id on it; per-shard
    /// sequence ranges would not survive that.
    /// </summary>
    public string TenantColumn { get; set; } = "tenant_id";

    /// <summary>
    /// Tables whose tenant column has another name than <see cref="TenantColumn"/>, by table name: e.g.
    /// <c>o.TenantColumns["websites"] = "id"</c> when each website's own row is keyed by its catalog key.
    /// </summary>
    public IDictionary<string, string> TenantColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether this process records its shards (names and connection strings, never passwords) and its settings
    /// (<see cref="PostgresRecordedSettings"/>) in the catalog when it first uses it, replacing a record that differs. True
    /// by default: that is how the app tells tools given only the catalog (<c>tenantctl --postgres</c>) where the shards are
    /// and how tenants are made. A tool that builds its options from that record sets it to false, so a value it overrides
    /// for one run is never taken for the app's.
    /// </summary>
    public bool RecordInCatalog { get; set; } = true;

    /// <summary>How many tenants <c>MigrateAllAsync</c> migrates at once on one shard (4 by default), whatever the parallelism asked.</summary>
    public int MaxMigrationsPerShard { get; set; } = 4;

    /// <summary>
    /// The connection string of a placement: its shard's, pointed at the placement's database with the search path exactly
    /// its schema, acting as its role when <paramref name="actAsRole"/> (the <c>role</c> startup parameter). The caller
    /// sets pooling.
    /// </summary>
    internal NpgsqlConnectionStringBuilder ConnectionFor(PostgresPlacement placement, bool actAsRole)
    {
        var b = new NpgsqlConnectionStringBuilder(Shards[placement.Shard])
        {
            Database = placement.DatabaseName,
            SearchPath = PostgresNames.Quote(placement.SchemaName),
        };
        if (actAsRole && placement.RoleName is not null)
        {
            b.Options = "-c role=" + placement.RoleName;
        }

        return b;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Catalog))
        {
            throw new ArgumentException(
                "PostgresTenantOptions.Catalog is not set. Set it to the connection string of the catalog database, e.g. o.Catalog = \"Host=db0;Database=platform;Username=app\".",
                nameof(Catalog));
        }

        _ = new NpgsqlConnectionStringBuilder(Catalog);
        if (_shards.Count == 0)
        {
            throw new ArgumentException("No shard was added. Call o.AddShard(\"main\", \"Host=db0;Database=app;Username=app\") at least once.", nameof(Shards));
        }

        if (DefaultShard is null || !_shards.ContainsKey(DefaultShard))
        {
            throw new ArgumentException($"DefaultShard {MessageQuote(DefaultShard)} is not one of the added shards ({string.Join(", ", _shards.Keys)}).", nameof(DefaultShard));
        }

        if (!Enum.IsDefined(Isolation))
        {
            throw new ArgumentOutOfRangeException(nameof(Isolation), Isolation, "Use PostgresIsolation.Schema, Database or Rows.");
        }

        PostgresNames.CheckTemplate(SchemaTemplate, nameof(SchemaTemplate));
        PostgresNames.CheckTemplate(DatabaseTemplate, nameof(DatabaseTemplate));
        if (PublicSchemaTenant is not null)
        {
            TenantSlug.Validate(PublicSchemaTenant, nameof(PublicSchemaTenant));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOpenTenants, 1, nameof(MaxOpenTenants));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerShard, 1, nameof(MaxConnectionsPerShard));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMigrationsPerShard, 1, nameof(MaxMigrationsPerShard));
        ArgumentOutOfRangeException.ThrowIfLessThan(CatalogStaleness, TimeSpan.Zero, nameof(CatalogStaleness));
        if (string.IsNullOrWhiteSpace(TenantColumn) || TenantColumns.Any(c => string.IsNullOrWhiteSpace(c.Key) || string.IsNullOrWhiteSpace(c.Value)))
        {
            throw new ArgumentException("TenantColumn (and every TenantColumns entry) must name a column, e.g. o.TenantColumn = \"website_id\".", nameof(TenantColumn));
        }
    }

    private static string MessageQuote(string? value) => value is null ? "(null)" : $"'{value}'";
}
