using System.Diagnostics;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// Routes tenants to their PostgreSQL placement (a schema, a database or shared rows on a shard) through a bounded
/// registry of connection pools under a connection budget per shard; checks every new physical connection (fail closed);
/// migrates each placement on first use. Reach it with <c>configuration.GetPostgres()</c>.
/// </summary>
public sealed class PostgresTenantDatabases : IAsyncDisposable, IDisposable
{
    private readonly PostgresPools _pools;
    private readonly PostgresMigrator _migrator;
    private long _catalogChanges;

    /// <summary>Creates the router (normally <c>builder.UsePostgres</c> does).</summary>
    /// <param name="options">The options; validated here.</param>
    /// <exception cref="ArgumentException">An option is missing or invalid.</exception>
    public PostgresTenantDatabases(PostgresTenantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _migrator = new PostgresMigrator(options.Migrations);
        _pools = new PostgresPools(options.Shards, options.MaxConnectionsPerShard, options.MaxOpenTenants, CreateDataSource);
        Catalog = new PostgresTenantCatalog(this);
    }

    /// <summary>The options this router was built with.</summary>
    public PostgresTenantOptions Options { get; }

    /// <summary>The tenant catalog (tenants, shard map, lifecycle).</summary>
    public PostgresTenantCatalog Catalog { get; }

    /// <summary>The configuration this router belongs to, once built (to forget archived tenants' cached resources).</summary>
    internal TenantConfiguration? Configuration { get; set; }

    /// <summary>The number of connection pools currently open (at most <see cref="PostgresTenantOptions.MaxOpenTenants"/>).</summary>
    public int OpenPoolCount => _pools.Count;

    internal PostgresMigrator Migrator => _migrator;

    internal long CatalogChanges => Volatile.Read(ref _catalogChanges);

    /// <summary>Called by the catalog after it changed a tenant: this process's routers re-read it on their next open.</summary>
    internal void CatalogChanged(string slug, bool dropPools)
    {
        Interlocked.Increment(ref _catalogChanges);
        if (dropPools)
        {
            _pools.RetireTenant(slug);
        }

        Configuration?.Forget(slug);
    }

    /// <summary>Closes the idle pooled connections to <paramref name="shard"/> (after a failure that may have been its server restarting).</summary>
    internal void ClearShardPools(string shard) => _pools.ClearShard(shard);

    /// <summary>Closes the pool of a schema or database placement (or a moving tenant's) this process no longer routes to.</summary>
    internal void RetirePool(PostgresPlacement placement)
    {
        if (placement.Isolation != PostgresIsolation.Rows || placement.Moving)
        {
            _pools.Retire(placement.PoolKey);
        }
    }

    /// <summary>The tenant's database object (what <c>TenantContext.GetDb()</c> returns under <c>UsePostgres</c>).</summary>
    /// <param name="tenant">The tenant's slug.</param>
    /// <param name="record">Its catalog record if already read, else it is read on the first open.</param>
    /// <exception cref="InvalidTenantSlugException"><paramref name="tenant"/> is not a valid slug.</exception>
    public PostgresTenantDatabase GetDatabase(string tenant, PostgresTenantRecord? record = null)
    {
        TenantSlug.Validate(tenant);
        return new PostgresTenantDatabase(this, tenant, record);
    }

    /// <summary>
    /// Opens a connection to a shard's own database with no tenant set (the pool that <see cref="PostgresIsolation.Rows"/>
    /// tenants share, so it counts against the shard's budget): for cross-tenant maintenance such as creating row-level
    /// security policies. Its search path is <c>public</c>; <see cref="PostgresTenantSettings"/> are not set, and no
    /// migration runs through it.
    /// </summary>
    /// <param name="shard">The shard's name (the default shard when null).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public async ValueTask<NpgsqlConnection> OpenShardConnectionAsync(string? shard = null, CancellationToken cancellationToken = default)
    {
        shard ??= Options.DefaultShard!;
        var placement = ShardPlacement(shard);
        return await OpenAsync(placement, setTenant: false, migrate: false, async: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A shard's own connection (no tenant): to its database, or to <paramref name="database"/> on the same server.</summary>
    internal PostgresPlacement ShardPlacement(string shard, string? database = null)
    {
        if (!Options.Shards.TryGetValue(shard, out var cs))
        {
            throw new ArgumentException($"Shard '{shard}' is not configured. Configured shards: {string.Join(", ", Options.Shards.Keys)}.", nameof(shard));
        }

        return new PostgresPlacement("", 0, shard, PostgresIsolation.Rows, "public", database ?? new NpgsqlConnectionStringBuilder(cs).Database ?? "postgres", 0, null);
    }

    internal string? RoleFor(PostgresIsolation isolation, string schema) =>
        Options.EnforceWithRoles && isolation == PostgresIsolation.Schema && schema != "public" ? schema : null;

    /// <summary>The placement of <see cref="PostgresTenantOptions.PublicSchemaTenant"/>: the default shard's public schema.</summary>
    internal PostgresPlacement PublicPlacement(string slug)
    {
        var shard = ShardPlacement(Options.DefaultShard!);
        return new PostgresPlacement(slug, 0, shard.Shard, PostgresIsolation.Schema, "public", shard.DatabaseName, 0, null);
    }

    /// <summary>A connection string to a database on a shard's server, with the shard's credentials.</summary>
    internal string ShardConnectionString(string shard, string? database = null)
    {
        var b = new NpgsqlConnectionStringBuilder(Options.Shards[shard]);
        if (database is not null)
        {
            b.Database = database;
        }

        return b.ConnectionString;
    }

    /// <summary>Opens a routed connection: lease (budget), open, first-use migration, tenant settings for rows.</summary>
    internal async ValueTask<NpgsqlConnection> OpenAsync(PostgresPlacement placement, bool setTenant, bool migrate, bool async, CancellationToken cancellationToken)
    {
        var pool = await _pools.LeaseAsync(placement, async, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection? connection = null;
        var opened = false;
        try
        {
            connection = pool.DataSource.CreateConnection();
            pool.Attach(connection); // once open, the lease ends when the connection closes
            if (async)
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                connection.Open();
            }

            opened = true;

            if (migrate && pool.Ready is not { IsCompletedSuccessfully: true })
            {
                if (async)
                {
                    await EnsureReadyAsync(pool, connection, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var c = connection;
                    Task.Run(() => EnsureReadyAsync(pool, c, cancellationToken), cancellationToken).GetAwaiter().GetResult();
                }
            }

            if (setTenant && placement.Isolation == PostgresIsolation.Rows)
            {
                await SetTenantAsync(connection, placement, async, cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            if (connection is null)
            {
                pool.Release();
            }
            else if (!opened)
            {
                pool.Detach(connection); // a failed open never closes: end the lease here
                connection.Dispose();
            }
            else if (async)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                connection.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Runs the pool's first-use migration once: the first open runs it, concurrent opens wait for it (as long as their own
    /// cancellation allows). A failed run is not kept (the next open runs it again), and a cancelled one is its caller's
    /// alone: an open that waited for it runs it itself instead of failing with a cancellation it did not ask for.
    /// </summary>
    private async Task EnsureReadyAsync(PostgresPool pool, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (ready, mine) = StartOrJoin(pool, connection, cancellationToken);
            try
            {
                await (mine ? ready : ready.WaitAsync(cancellationToken)).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!mine && !cancellationToken.IsCancellationRequested)
            {
                // The open that ran it was cancelled: take over on this connection.
            }
        }
    }

    private (Task Ready, bool Mine) StartOrJoin(PostgresPool pool, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = Interlocked.CompareExchange(ref pool.Ready, mine.Task, null);
        if (current is not null && !current.IsFaulted && !current.IsCanceled)
        {
            return (current, false);
        }

        if (current is not null && Interlocked.CompareExchange(ref pool.Ready, mine.Task, current) != current)
        {
            return (pool.Ready!, false);
        }

        return (RunAsync(), true);

        async Task RunAsync()
        {
            try
            {
                var version = await _migrator.MigrateAsync(pool.Placement, connection, cancellationToken).ConfigureAwait(false);
                if (pool.Placement.Slug.Length > 0 && pool.Placement.Isolation != PostgresIsolation.Rows && pool.Placement.Key != 0)
                {
                    await Catalog.RecordVersionAsync(pool.Placement.Slug, version, null, cancellationToken).ConfigureAwait(false);
                }

                mine.SetResult();
            }
            catch (Exception ex)
            {
                mine.SetException(ex);
                throw;
            }
        }
    }

    private static async ValueTask SetTenantAsync(NpgsqlConnection connection, PostgresPlacement placement, bool async, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT set_config('" + PostgresTenantSettings.Tenant + "', $1, false), set_config('" + PostgresTenantSettings.TenantKey + "', $2, false)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = placement.Slug });
        command.Parameters.Add(new NpgsqlParameter { Value = placement.Key.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (async)
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            command.ExecuteNonQuery();
        }
    }

    private NpgsqlDataSource CreateDataSource(PostgresPlacement placement)
    {
        var b = Options.ConnectionFor(placement, actAsRole: true);
        b.Pooling = !placement.Moving; // a moving tenant's connections each hold a lease of their own (PostgresMoveLease)
        b.MaxPoolSize = Options.MaxConnectionsPerShard;
        b.MinPoolSize = 0;
        b.NoResetOnClose = false; // a returned connection is reset (DISCARD ALL): the tenant settings of rows tenants, who share a pool, never reach the next renter

        var builder = new NpgsqlDataSourceBuilder(b.ConnectionString);
        if (placement.Isolation != PostgresIsolation.Rows && !Options.LoadServerTypesPerTenant)
        {
            builder.ConfigureTypeLoading(t => t.EnableTypeLoading(false)); // no type-catalog query per tenant pool
        }

        var check = new PhysicalConnectionCheck(placement);
        builder.UsePhysicalConnectionInitializer(check.Check, check.CheckAsync);
        return builder.Build();
    }

    /// <summary>Closes every pool; the catalog's pool too.</summary>
    public void Dispose()
    {
        _pools.Dispose();
        Catalog.Dispose();
    }

    /// <summary>Closes every pool; the catalog's pool too.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Runs once on every new physical connection, before anything else: the server must report exactly the search path,
/// schema, database and role the placement asked for. Anything else (a missing schema, a pooler that dropped the
/// startup parameters) closes the connection with <see cref="PostgresRoutingException"/>: fail closed.
/// </summary>
internal sealed class PhysicalConnectionCheck(PostgresPlacement placement)
{
    private const string Sql = "SELECT current_setting('search_path'), current_schema(), current_database(), current_user::text";

    public void Check(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(Sql, connection);
        using var reader = command.ExecuteReader();
        reader.Read();
        Verify(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3));
    }

    public async Task CheckAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await reader.ReadAsync().ConfigureAwait(false);
        Verify(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3));
    }

    private void Verify(string searchPath, string? schema, string database, string user)
    {
        var expectedPath = PostgresNames.Quote(placement.SchemaName);
        var slug = placement.Slug.Length == 0 ? "(shard connection)" : placement.Slug;
        if (!string.Equals(searchPath, expectedPath, StringComparison.Ordinal) && !string.Equals(searchPath, placement.SchemaName, StringComparison.Ordinal))
        {
            throw new PostgresRoutingException(slug,
                $"The server reports search_path {Quote(searchPath)} for a connection of tenant '{slug}' that asked for {expectedPath} as a startup parameter. " +
                "Something between the application and PostgreSQL drops or replaces startup parameters — typically PgBouncer in transaction or " +
                "statement pooling mode, or a proxy that ignores search_path. Connect to PostgreSQL directly, or run the pooler in session mode " +
                "and let it pass search_path through (PgBouncer: pool_mode = session, and remove search_path from ignore_startup_parameters). " +
                "The connection was closed; nothing ran on it.");
        }

        if (!string.Equals(database, placement.DatabaseName, StringComparison.Ordinal))
        {
            throw new PostgresRoutingException(slug,
                $"A connection of tenant '{slug}' reached database {Quote(database)} instead of \"{placement.DatabaseName}\". Check the shard's " +
                "connection string and any pooler's database mapping. The connection was closed; nothing ran on it.");
        }

        if (!string.Equals(schema, placement.SchemaName, StringComparison.Ordinal))
        {
            throw new PostgresRoutingException(slug,
                $"The schema \"{placement.SchemaName}\" of tenant '{slug}' does not exist in database \"{database}\" (current_schema() is " +
                $"{Quote(schema)}). The tenant was deleted, or created elsewhere: create it with catalog.CreateAsync(\"{slug}\"), or check its " +
                "placement in the catalog. The connection was closed; nothing ran on it (no fallback to another schema).");
        }

        if (placement.RoleName is not null && !string.Equals(user, placement.RoleName, StringComparison.Ordinal))
        {
            throw new PostgresRoutingException(slug,
                $"A connection of tenant '{slug}' acts as role {Quote(user)}, not as the tenant's role \"{placement.RoleName}\" (EnforceWithRoles). " +
                "Something dropped the role startup parameter (a pooler): connect directly. The connection was closed; nothing ran on it.");
        }
    }

    private static string Quote(string? value) => value is null ? "NULL" : "\"" + value + "\"";
}
