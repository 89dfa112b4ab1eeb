using System.Collections.Concurrent;
using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Tenancy.Testing;

namespace Tenancy.Benchmarks;

/// <summary>A throwaway PostgreSQL cluster per benchmark process, and tenant databases over it.</summary>
internal static class EfPgBench
{
    public static PostgresTestCluster StartCluster() => PostgresTestCluster.StartAsync("bench", durable: false).GetAwaiter().GetResult();

    public static void Exec(PostgresTestCluster cluster, string database, string sql) => cluster.ExecuteAsync(sql, database).GetAwaiter().GetResult();

    /// <summary>A schema per tenant: a data source per tenant whose search path is exactly its schema.</summary>
    public sealed class SchemaPerTenant(PostgresTestCluster cluster, string database) : IDisposable
    {
        private readonly ConcurrentDictionary<string, NpgsqlDataSource> _sources = new();

        public ITenantDatabase For(TenantInfo tenant) => new Db(_sources.GetOrAdd(tenant.Slug, slug =>
        {
            Exec(cluster, database, $"CREATE SCHEMA IF NOT EXISTS \"t_{slug.Replace('-', '_')}\"");
            return NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(cluster.ConnectionString(database)) { SearchPath = $"t_{slug.Replace('-', '_')}" });
        }));

        public void Dispose()
        {
            foreach (var source in _sources.Values)
            {
                source.Dispose();
            }
        }
    }

    private sealed class Db(NpgsqlDataSource source) : ITenantDatabase
    {
        public DbConnection OpenConnection() => source.OpenConnection();

        public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => await source.OpenConnectionAsync(cancellationToken);
    }
}

/// <summary>
/// PostgreSQL, a schema per tenant: a point query through <c>TenantContext.Get&lt;TContext&gt;()</c> (scope, pooled context
/// re-pointed to the tenant's connection) rotating across 100 tenants, next to the same query through a plain pooled
/// context on one schema. Target: ≤ 1.1×.
/// </summary>
[MemoryDiagnoser]
public class EfPostgresPerTenantQueryBenchmarks
{
    private const int TenantCount = 100;
    private PostgresTestCluster _cluster = null!;
    private EfPgBench.SchemaPerTenant _schemas = null!;
    private TenantConfiguration _configuration = null!;
    private ConfigurationScope _flow = null!;
    private NpgsqlDataSource _one = null!;
    private PooledDbContextFactory<EfBenchContext> _plain = null!;
    private string[] _tenants = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _cluster = EfPgBench.StartCluster();
        var database = _cluster.CreateDatabaseAsync("bench").GetAwaiter().GetResult();
        _schemas = new EfPgBench.SchemaPerTenant(_cluster, database);
        _configuration = TenantConfiguration.Build(b => b.Db(_schemas.For).AddDbContext<EfBenchContext>(o => o.UseNpgsql()));
        _flow = TenantContext.UseConfiguration(_configuration);
        _tenants = Enumerable.Range(0, TenantCount).Select(i => $"tenant-{i}").ToArray();
        foreach (var tenant in _tenants)
        {
            using (TenantContext.Enter(tenant))
            {
                EfBench.Seed(TenantContext.Get<EfBenchContext>(), tenant, 20);
            }
        }

        // The baseline's one schema, reached the same way (search path as a startup parameter). Not EnsureCreated: the
        // database already holds the tenants' tables, so EF's "any table at all" check would create nothing.
        EfPgBench.Exec(_cluster, database, "CREATE SCHEMA one");
        _one = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_cluster.ConnectionString(database)) { SearchPath = "one" });
        var options = new DbContextOptionsBuilder<EfBenchContext>().UseNpgsql(_one).Options;
        using (var context = new EfBenchContext(options))
        {
            context.GetService<IRelationalDatabaseCreator>().CreateTables();
            EfBench.Seed(context, "one", 20);
        }

        _plain = new PooledDbContextFactory<EfBenchContext>(options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flow.Dispose();
        _configuration.Dispose();
        _schemas.Dispose();
        _one.Dispose();
        _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "PostgreSQL: plain pooled context, one schema")]
    public string PlainPooled()
    {
        using var context = _plain.CreateDbContext();
        return context.Items.AsNoTracking().Where(i => i.Id == 7).Select(i => i.Name).First();
    }

    [Benchmark(Description = "PostgreSQL: per-tenant pooled context, schema per tenant, 100 tenants rotating")]
    public string PerTenantRotating()
    {
        var tenant = _tenants[_next++ % TenantCount];
        using (TenantContext.Enter(tenant))
        {
            return TenantContext.Get<EfBenchContext>().Items.AsNoTracking().Where(i => i.Id == 7).Select(i => i.Name).First();
        }
    }
}

/// <summary>
/// PostgreSQL, shared rows: a query through <c>UseTenantIsolation()</c> on a table with row-level security (the app's role
/// owns nothing; the connection carries the tenant), next to the same query with a hand-written
/// <c>Where(e =&gt; e.TenantId == x)</c> on a table without row-level security. Target: ≤ 1.15×.
/// </summary>
[MemoryDiagnoser]
public class EfPostgresRowLevelSecurityBenchmarks
{
    private PostgresTestCluster _cluster = null!;
    private NpgsqlDataSource _plainSource = null!;
    private NpgsqlDataSource _rlsSource = null!;
    private PooledDbContextFactory<EfBenchContext> _handWritten = null!;
    private PooledDbContextFactory<EfBenchContext> _isolated = null!;
    private TenantConfiguration _configuration = null!;
    private ConfigurationScope _flow = null!;
    private TenantScope _scope = null!;
    private string _tenant = "acme";

    [GlobalSetup]
    public void Setup()
    {
        _cluster = EfPgBench.StartCluster();
        var plain = _cluster.CreateDatabaseAsync("plain").GetAwaiter().GetResult();
        var rls = _cluster.CreateDatabaseAsync("rls").GetAwaiter().GetResult();
        foreach (var database in new[] { plain, rls })
        {
            var options = new DbContextOptionsBuilder<EfBenchContext>().UseNpgsql(_cluster.ConnectionString(database)).UseTenantIsolation().Options;
            using var context = new EfBenchContext(options);
            context.Database.EnsureCreated();
            if (database == rls)
            {
                context.Database.EnsureTenantRowLevelSecurity();
            }

            foreach (var tenant in new[] { "acme", "globex", "initech" })
            {
                EfPgBench.Exec(_cluster, database, $"INSERT INTO \"Items\" (\"TenantId\", \"Name\") SELECT '{tenant}', '{tenant}-' || i FROM generate_series(0, 199) i");
            }
        }

        EfPgBench.Exec(_cluster, "postgres", "DO $$ BEGIN CREATE ROLE bench_app LOGIN NOSUPERUSER NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        EfPgBench.Exec(_cluster, rls, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bench_app; ANALYZE");
        EfPgBench.Exec(_cluster, plain, "ANALYZE");
        _plainSource = NpgsqlDataSource.Create(_cluster.ConnectionString(plain));
        _rlsSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_cluster.ConnectionString(rls))
        {
            Username = "bench_app",
            Options = $"-c {TenantRowLevelSecurity.TenantSetting}={_tenant}", // the tenant carried by the connection
        });
        _handWritten = new PooledDbContextFactory<EfBenchContext>(new DbContextOptionsBuilder<EfBenchContext>().UseNpgsql(_plainSource).Options);
        _isolated = new PooledDbContextFactory<EfBenchContext>(new DbContextOptionsBuilder<EfBenchContext>().UseNpgsql(_rlsSource).UseTenantIsolation().Options);
        _configuration = TenantConfiguration.Build(_ => { });
        _flow = TenantContext.UseConfiguration(_configuration);
        _scope = TenantContext.Enter(_tenant);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _flow.Dispose();
        _configuration.Dispose();
        _plainSource.Dispose();
        _rlsSource.Dispose();
        _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "PostgreSQL: hand-written Where(TenantId == x), no row-level security")]
    public int HandWritten()
    {
        using var context = _handWritten.CreateDbContext();
        var tenant = _tenant;
        return context.Items.AsNoTracking().Where(i => i.TenantId == tenant && i.Name.StartsWith("acme-1")).Count();
    }

    [Benchmark(Description = "PostgreSQL: UseTenantIsolation + row-level security")]
    public int Isolated()
    {
        using var context = _isolated.CreateDbContext();
        return context.Items.AsNoTracking().Where(i => i.Name.StartsWith("acme-1")).Count();
    }
}
