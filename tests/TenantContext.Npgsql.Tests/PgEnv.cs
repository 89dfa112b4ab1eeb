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

    public static async Task<PgEnv> CreateAsync(Action<PostgresTenantOptions>? configure = null, int shards = 1, Action<TenantContextBuilder>? builder = null)
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        var catalog = await cluster.CreateDatabaseAsync("cat");
        var shardDbs = new string[shards];
        for (var i = 0; i < shards; i++)
        {
            shardDbs[i] = await cluster.CreateDatabaseAsync("shard");
        }

        var env = new PgEnv(cluster, catalog, shardDbs);
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
            o.AddShard(i == 0 ? "main" : $"s{i}", Cluster.ConnectionString(ShardDbs[i]));
        }

        o.Migrations.Add(1, "init", PagesSql);
        configure?.Invoke(o);
    }

    public PostgresTenantDatabases SecondRouter(Action<PostgresTenantOptions>? configure = null)
    {
        var o = new PostgresTenantOptions();
        Configure(o, configure);
        return new PostgresTenantDatabases(o);
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
