using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Npgsql;
using Tenancy.Npgsql;
using Tenancy.Testing;

namespace Tenancy.Benchmarks;

/// <summary>Shared set-up for the PostgreSQL benchmarks: a durable throwaway cluster, a catalog and a shard.</summary>
internal sealed class PgBench : IAsyncDisposable
{
    /// <summary>A new tenant: 4 tables and 3 indexes.</summary>
    public const string Schema =
        "CREATE TABLE pages (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL); " +
        "CREATE TABLE revisions (id bigint PRIMARY KEY, page bigint NOT NULL REFERENCES pages (id), at timestamptz NOT NULL); " +
        "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL); " +
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); " +
        "CREATE UNIQUE INDEX pages_title ON pages (title); CREATE INDEX revisions_page ON revisions (page, at); CREATE UNIQUE INDEX users_name ON users (name)";

    private PgBench(PostgresTestCluster cluster, string catalog, string shard)
    {
        Cluster = cluster;
        CatalogDb = catalog;
        ShardDb = shard;
    }

    public PostgresTestCluster Cluster { get; }

    public string CatalogDb { get; }

    public string ShardDb { get; }

    public static async Task<PgBench> StartAsync(int maxConnections = 200)
    {
        var cluster = await PostgresTestCluster.StartAsync("bench", durable: true, maxConnections: maxConnections);
        return new PgBench(cluster, await cluster.CreateDatabaseAsync("cat"), await cluster.CreateDatabaseAsync("shard"));
    }

    public PostgresTenantOptions Options(int maxOpenTenants = 256, int maxConnections = 50)
    {
        var o = new PostgresTenantOptions { Catalog = Cluster.ConnectionString(CatalogDb), MaxOpenTenants = maxOpenTenants, MaxConnectionsPerShard = maxConnections };
        o.AddShard("main", Cluster.ConnectionString(ShardDb));
        o.Migrations.Add(1, "init", Schema);
        return o;
    }

    /// <summary>Bulk-makes schema tenants <c>{prefix}{i}</c> at version 1 with <paramref name="rows"/> items each (set-up, not measured).</summary>
    public async Task<string[]> BulkCreateAsync(PostgresTenantCatalog catalog, string prefix, int count, int rows)
    {
        await catalog.ListAsync();
        for (var start = 0; start < count; start += 500)
        {
            var end = Math.Min(count, start + 500) - 1;
            await Cluster.ExecuteAsync($$"""
                DO $$ BEGIN FOR i IN {{start}}..{{end}} LOOP
                  EXECUTE format('CREATE SCHEMA %1$I; SET LOCAL search_path = %1$I; {{Schema.Replace("'", "''")}};
                    CREATE TABLE tenancy_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                    INSERT INTO tenancy_migrations VALUES (1, ''init'', now());
                    INSERT INTO items SELECT g, ''item '' || g FROM generate_series(0, {{rows - 1}}) g', 'tenant_{{prefix}}' || i);
                END LOOP; END $$
                """, ShardDb);
        }

        await Cluster.ExecuteAsync($"""
            INSERT INTO tenancy.tenants (slug, shard, isolation, schema_name, database_name, version)
            SELECT '{prefix}' || i, 'main', 'schema', 'tenant_{prefix}' || i, '{ShardDb}', 1 FROM generate_series(0, {count - 1}) i
            """, CatalogDb);
        return Enumerable.Range(0, count).Select(i => prefix + i).ToArray();
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

/// <summary>Warm <c>GetDb().OpenConnection()</c> + point query vs a raw <see cref="NpgsqlDataSource"/> with the same search path.</summary>
[MemoryDiagnoser]
public class PostgresWarmOpenBenchmarks
{
    private PgBench _bench = null!;
    private TenantConfiguration _configuration = null!;
    private NpgsqlDataSource _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = PgBench.StartAsync().GetAwaiter().GetResult();
        _configuration = TenantConfiguration.Build(b => b.UsePostgres(o =>
        {
            var options = _bench.Options();
            o.Catalog = options.Catalog;
            o.AddShard("main", options.Shards["main"]);
            o.Migrations.Add(1, "init", PgBench.Schema);
            o.CatalogStaleness = TimeSpan.FromSeconds(2);
        }));
        _configuration.GetPostgres().Catalog.CreateAsync("acme").GetAwaiter().GetResult();
        _bench.Cluster.ExecuteAsync("INSERT INTO tenant_acme.items SELECT g, 'item ' || g FROM generate_series(0, 999) g", _bench.ShardDb).GetAwaiter().GetResult();
        _raw = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_bench.Cluster.ConnectionString(_bench.ShardDb)) { SearchPath = "\"tenant_acme\"" }.ConnectionString);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _configuration.Dispose();
        _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "raw NpgsqlDataSource (same search path): open + point query")]
    public string Raw()
    {
        using var c = _raw.OpenConnection();
        return PointQuery(c, 42);
    }

    [Benchmark(Description = "Enter + GetDb().OpenConnection() + point query")]
    public string TenantContextOpen()
    {
        using var _ = TenantContext.UseConfiguration(_configuration);
        using var scope = TenantContext.Enter("acme");
        using var c = (NpgsqlConnection)TenantContext.GetDb().OpenConnection();
        return PointQuery(c, 42);
    }

    internal static string PointQuery(NpgsqlConnection c, int id)
    {
        using var command = new NpgsqlCommand("SELECT name FROM items WHERE id = $1", c);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id });
        return (string)command.ExecuteScalar()!;
    }
}

/// <summary>A point query rotating across 1,000 schema tenants vs one shared table keyed <c>(tenant_id, id)</c> with the same rows.</summary>
[MemoryDiagnoser]
public class PostgresRotationBenchmarks
{
    private const int Tenants = 1000;
    private const int Rows = 10;
    private PgBench _bench = null!;
    private PostgresTenantDatabases _router = null!;
    private PostgresTenantDatabase[] _databases = null!;
    private NpgsqlDataSource _shared = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _bench = PgBench.StartAsync(maxConnections: Tenants + 100).GetAwaiter().GetResult();
        _router = new PostgresTenantDatabases(_bench.Options(maxOpenTenants: Tenants, maxConnections: Tenants));
        var slugs = _bench.BulkCreateAsync(_router.Catalog, "r", Tenants, Rows).GetAwaiter().GetResult();
        _databases = slugs.Select(s => _router.GetDatabase(s)).ToArray();
        _bench.Cluster.ExecuteAsync(
            $"CREATE TABLE public.shared_items (tenant_id int NOT NULL, id int NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id)); " +
            $"INSERT INTO public.shared_items SELECT t, g, 'item ' || g FROM generate_series(0, {Tenants - 1}) t, generate_series(0, {Rows - 1}) g; ANALYZE public.shared_items",
            _bench.ShardDb).GetAwaiter().GetResult();
        _shared = NpgsqlDataSource.Create(_bench.Cluster.ConnectionString(_bench.ShardDb));
        foreach (var db in _databases)
        {
            using var c = db.OpenConnection(); // warm: one pooled connection per tenant
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _shared.Dispose();
        _router.Dispose();
        _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "one shared table keyed (tenant_id, id): open + point query")]
    public string SharedTable()
    {
        var t = _next++ % Tenants;
        using var c = _shared.OpenConnection();
        using var command = new NpgsqlCommand("SELECT name FROM shared_items WHERE tenant_id = $1 AND id = $2", c);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = t });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = t % Rows });
        return (string)command.ExecuteScalar()!;
    }

    [Benchmark(Description = "schema per tenant, 1,000 rotating: open + point query")]
    public string SchemaRotation()
    {
        var t = _next++ % Tenants;
        using var c = _databases[t].OpenConnection();
        return PostgresWarmOpenBenchmarks.PointQuery(c, t % Rows);
    }
}

/// <summary>
/// <c>-- pg-scale</c>: the lifecycle figures BenchmarkDotNet is too coarse for — a new schema tenant (median of 60),
/// <c>MigrateAllAsync</c> with nothing to do over 10,000 tenants, and one <c>ALTER TABLE</c> step over 1,000 schemas.
/// </summary>
internal static class PostgresScaleReport
{
    public static void Run(TextWriter output, int noopTenants, int alterTenants)
    {
        RunAsync(output, noopTenants, alterTenants).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(TextWriter output, int noopTenants, int alterTenants)
    {
        if (Environment.GetEnvironmentVariable("PG_SCALE_SKIP_CREATE") != "1")
        {
            await NewTenantAsync(output);
        }

        await MigrateAsync(output, noopTenants, alterTenants);
    }

    private static async Task NewTenantAsync(TextWriter output)
    {
        await using (var bench = await PgBench.StartAsync())
        {
            await using var router = new PostgresTenantDatabases(bench.Options());
            await router.Catalog.CreateAsync("warmup");
            var times = new List<double>();
            for (var i = 0; i < 60; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await router.Catalog.CreateAsync("new" + i);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            times.Sort();
            output.WriteLine($"new schema tenant (4 tables, 3 indexes, catalog record): median {times[30]:0.0} ms, p90 {times[54]:0.0} ms over 60");
        }
    }

    private static async Task MigrateAsync(TextWriter output, int noopTenants, int alterTenants)
    {

        await using (var bench = await PgBench.StartAsync())
        {
            await using var router = new PostgresTenantDatabases(bench.Options());
            await router.Catalog.ListAsync();
            // Catalog records only: tenants recorded as current are skipped by the one catalog query and never touched,
            // so their schemas do not need to exist for this measurement.
            await bench.Cluster.ExecuteAsync($"""
                INSERT INTO tenancy.tenants (slug, shard, isolation, schema_name, database_name, version)
                SELECT 'n' || i, 'main', 'schema', 'tenant_n' || i, '{bench.ShardDb}', 1 FROM generate_series(0, {noopTenants - 1}) i
                """, bench.CatalogDb);
            var report = await router.Catalog.MigrateAllAsync();
            output.WriteLine($"MigrateAllAsync with nothing to do over {noopTenants:N0} tenants: {report.Duration.TotalMilliseconds:0} ms ({report.Succeeded:N0} current)");
        }

        await using (var bench = await PgBench.StartAsync())
        {
            await using var router = new PostgresTenantDatabases(bench.Options());
            await bench.BulkCreateAsync(router.Catalog, "a", alterTenants, 10);
            var options = bench.Options();
            options.Migrations.Add(2, "alter", "ALTER TABLE pages ADD COLUMN summary text");
            await using var v2 = new PostgresTenantDatabases(options);
            var report = await v2.Catalog.MigrateAllAsync();
            output.WriteLine($"MigrateAllAsync of one ALTER TABLE step over {alterTenants:N0} schemas: {report.Duration.TotalSeconds:0.0} s ({report.Succeeded:N0} migrated, {report.Failed} failed)");
        }
    }
}
