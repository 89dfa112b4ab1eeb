using Npgsql;
using Tenancy.Npgsql.Tests.Child;
using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// Two real servers for moves: the catalog and shard <c>main</c> on the first test cluster, shard <c>s1</c> on the second;
/// the move steps (pages, comments) and a 300 ms catalog staleness, as the child process uses them.
/// </summary>
internal sealed class MoveEnv : IAsyncDisposable
{
    private readonly Action<PostgresTenantOptions> _steps;

    private MoveEnv(PostgresTestCluster first, PostgresTestCluster second, string catalogDb, string mainDb, string s1Db, Action<PostgresTenantOptions>? steps)
    {
        _steps = steps ?? (o => MoveSteps.Add(o.Migrations));
        First = first;
        Second = second;
        CatalogDb = catalogDb;
        MainDb = mainDb;
        S1Db = s1Db;
    }

    public PostgresTestCluster First { get; }

    public PostgresTestCluster Second { get; }

    public string CatalogDb { get; }

    public string MainDb { get; }

    public string S1Db { get; }

    public PostgresTenantDatabases Router { get; private set; } = null!;

    public PostgresTenantCatalog Catalog => Router.Catalog;

    /// <summary>The catalog, main and s1 connection strings: the child process's first arguments.</summary>
    public string[] ChildArgs => [First.ConnectionString(CatalogDb), First.ConnectionString(MainDb),
        _s1Port is { } port ? new NpgsqlConnectionStringBuilder(Second.ConnectionString(S1Db)) { Port = port }.ConnectionString : Second.ConnectionString(S1Db)];

    /// <param name="configure">Options on top of the environment's.</param>
    /// <param name="steps">The migrations and tenant columns (the move steps by default).</param>
    /// <param name="clusters">Servers of the test's own (to restart them, say) instead of the process's shared two.</param>
    /// <param name="s1Port">A port that leads to the second server's (a proxy), for shard s1's connection string.</param>
    public static async Task<MoveEnv> CreateAsync(Action<PostgresTenantOptions>? configure = null, Action<PostgresTenantOptions>? steps = null,
        (PostgresTestCluster First, PostgresTestCluster Second)? clusters = null, int? s1Port = null)
    {
        var first = clusters?.First ?? await PostgresTestCluster.SharedAsync();
        var second = clusters?.Second ?? await PostgresTestCluster.SharedAsync(1);
        var env = new MoveEnv(first, second, await first.CreateDatabaseAsync("cat"), await first.CreateDatabaseAsync("main"), await second.CreateDatabaseAsync("s1"), steps)
        {
            _s1Port = s1Port,
        };
        env.Router = env.NewRouter(configure);
        return env;
    }

    private int? _s1Port;

    /// <summary>Another router over the same catalog and shards: a second process's view.</summary>
    public PostgresTenantDatabases NewRouter(Action<PostgresTenantOptions>? configure = null)
    {
        var o = new PostgresTenantOptions();
        Configure(o);
        configure?.Invoke(o);
        return new PostgresTenantDatabases(o);
    }

    /// <summary>Fills options as this environment's routers have them (for <c>UsePostgres</c>).</summary>
    public void Configure(PostgresTenantOptions o)
    {
        o.Catalog = ChildArgs[0];
        o.CatalogStaleness = MoveSteps.Staleness;
        o.AddShard("main", ChildArgs[1]).AddShard("s1", ChildArgs[2]);
        _steps(o);
    }

    /// <summary>A schema tenant on <paramref name="shard"/> with <paramref name="pages"/> pages and two comments per page.</summary>
    public async Task CreateWithDataAsync(string tenant, int pages = 50, string shard = "main", PostgresIsolation isolation = PostgresIsolation.Schema)
    {
        await Catalog.CreateAsync(tenant, shard, isolation);
        await using var c = await Router.GetDatabase(tenant).OpenConnectionAsync();
        await c.ExecAsync($"INSERT INTO pages SELECT i, 'page ' || i FROM generate_series(1, {pages}) i");
        await c.ExecAsync("INSERT INTO comments (page_id, body) SELECT id, 'c' FROM pages, generate_series(1, 2)");
    }

    /// <summary>Pages and comments as the router sees them now, plus the comments sequence's next value.</summary>
    public async Task<(long Pages, long Comments, long NextComment)> ReadAsync(string tenant, PostgresTenantDatabases? router = null)
    {
        await using var c = await (router ?? Router).GetDatabase(tenant).OpenConnectionAsync();
        return (await c.ScalarAsync<long>("SELECT count(*) FROM pages"), await c.ScalarAsync<long>("SELECT count(*) FROM comments"),
            await c.ScalarAsync<long>("INSERT INTO comments (page_id, body) VALUES (1, 'next') RETURNING id"));
    }

    /// <summary>Whether a schema exists in a database of a cluster.</summary>
    public static async Task<bool> SchemaExistsAsync(PostgresTestCluster cluster, string database, string schema) =>
        await cluster.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = '{schema}')", database);

    public static async Task<bool> DatabaseExistsAsync(PostgresTestCluster cluster, string database) =>
        await cluster.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')");

    /// <summary>This environment's publications and slots on the source's server and subscriptions on the target's (by database).</summary>
    public async Task<long> ReplicationLeftoversAsync() =>
        await First.ScalarAsync<long>("SELECT count(*) FROM pg_publication", MainDb)
        + await First.ScalarAsync<long>($"SELECT count(*) FROM pg_replication_slots WHERE database = '{MainDb}'")
        + await Second.ScalarAsync<long>($"SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname IN ('{S1Db}', 'tenant_acme', 'tenant_big')");

    public Task<long> MoveRowsAsync() => First.ScalarAsync<long>("SELECT count(*) FROM tenancy.moves", CatalogDb);

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
    }
}
