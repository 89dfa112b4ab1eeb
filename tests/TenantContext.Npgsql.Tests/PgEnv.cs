using Npgsql;
using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>A fresh catalog database and shard database(s) on the shared test cluster, and a configuration using them.</summary>
internal sealed class PgEnv : IAsyncDisposable
{
    public const string PagesSql = "CREATE TABLE pages (id bigint PRIMARY KEY, body text NOT NULL)";

    private PgEnv(PostgresTestCluster cluster, string catalogDb, string[] shardDbs)
    {
        Cluster = cluster;
        CatalogDb = catalogDb;
        ShardDbs = shardDbs;
    }

    public PostgresTestCluster Cluster { get; }

    public string CatalogDb { get; }

    public string[] ShardDbs { get; }

    public TenantConfiguration Configuration { get; private set; } = null!;

    public PostgresTenantDatabases Router => Configuration.GetPostgres();

    public PostgresTenantCatalog Catalog => Router.Catalog;

    /// <summary>The login the shards are reached with: the superuser, or (<c>ownerLogin</c>) a plain role owning the shard databases, so row-level security applies to it.</summary>
    public string ShardUser { get; private set; } = PostgresTestCluster.Superuser;

    public static async Task<PgEnv> CreateAsync(Action<PostgresTenantOptions>? configure = null, int shards = 1, Action<TenantContextBuilder>? builder = null, bool ownerLogin = false)
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        var catalog = await cluster.CreateDatabaseAsync("cat");
        var shardDbs = new string[shards];
        for (var i = 0; i < shards; i++)
        {
            shardDbs[i] = await cluster.CreateDatabaseAsync("shard");
        }

        var env = new PgEnv(cluster, catalog, shardDbs);
        if (ownerLogin)
        {
            env.ShardUser = "app_" + shardDbs[0];
            await cluster.ExecuteAsync($"CREATE ROLE \"{env.ShardUser}\" LOGIN");
            foreach (var db in shardDbs)
            {
                await cluster.ExecuteAsync($"ALTER DATABASE \"{db}\" OWNER TO \"{env.ShardUser}\"");
            }
        }

        env.Configuration = TenantConfiguration.Build(b =>
        {
            b.UsePostgres(o => env.Configure(o, configure));
            builder?.Invoke(b);
        });
        return env;
    }

    /// <summary>The same options again: a second process's view (its own pools, its own catalog cache).</summary>
    public void Configure(PostgresTenantOptions o, Action<PostgresTenantOptions>? configure = null)
    {
        o.Catalog = Cluster.ConnectionString(CatalogDb);
        for (var i = 0; i < ShardDbs.Length; i++)
        {
            o.AddShard(i == 0 ? "main" : $"s{i}", new NpgsqlConnectionStringBuilder(Cluster.ConnectionString(ShardDbs[i])) { Username = ShardUser }.ConnectionString);
        }

        configure?.Invoke(o);
        if (!o.Migrations.Any(m => m.Version == 1))
        {
            o.Migrations.Add(1, "init", PagesSql);
        }
    }

    public PostgresTenantDatabases SecondRouter(Action<PostgresTenantOptions>? configure = null)
    {
        var o = new PostgresTenantOptions();
        Configure(o, configure);
        return new PostgresTenantDatabases(o);
    }

    /// <summary>
    /// Makes <paramref name="count"/> schema tenants named <c>{prefix}{i}</c> at version 1 in two statements (setup for
    /// load tests: the same objects CreateAsync makes, without 2,000 round trips).
    /// </summary>
    public async Task<string[]> BulkCreateSchemaTenantsAsync(string prefix, int count)
    {
        await Catalog.ListAsync(); // the catalog's tables
        await ExecuteAsync($$"""
            DO $$ BEGIN FOR i IN 0..{{count - 1}} LOOP
              EXECUTE format('CREATE SCHEMA %I; CREATE TABLE %I.pages (id bigint PRIMARY KEY, body text NOT NULL);
                CREATE TABLE %I.tenancy_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO %I.tenancy_migrations VALUES (1, ''init'', now())',
                'tenant_{{prefix}}' || i, 'tenant_{{prefix}}' || i, 'tenant_{{prefix}}' || i, 'tenant_{{prefix}}' || i);
            END LOOP; END $$
            """);
        await Cluster.ExecuteAsync($"""
            INSERT INTO tenancy.tenants (slug, shard, isolation, schema_name, database_name, version)
            SELECT '{prefix}' || i, 'main', 'schema', 'tenant_{prefix}' || i, '{ShardDbs[0]}', 1 FROM generate_series(0, {count - 1}) i
            """, CatalogDb);
        return Enumerable.Range(0, count).Select(i => prefix + i).ToArray();
    }

    public Task<T> ScalarAsync<T>(string sql, string? database = null) => Cluster.ScalarAsync<T>(sql, database ?? ShardDbs[0]);

    public Task ExecuteAsync(string sql, string? database = null) => Cluster.ExecuteAsync(sql, database ?? ShardDbs[0]);

    public async ValueTask DisposeAsync() => await Configuration.DisposeAsync();
}

internal static class Sql
{
    public static async Task<T> ScalarAsync<T>(this NpgsqlConnection connection, string sql, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<int> ExecAsync(this NpgsqlConnection connection, string sql, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var a in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<NpgsqlConnection> OpenAsync(this ITenantDatabase db) => (NpgsqlConnection)await db.OpenConnectionAsync();
}
