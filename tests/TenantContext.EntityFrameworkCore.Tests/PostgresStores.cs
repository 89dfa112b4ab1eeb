using System.Collections.Concurrent;
using System.Data.Common;
using Npgsql;
using Tenancy.Testing;

namespace Tenancy.EntityFrameworkCore.Tests;

/// <summary>
/// A schema per tenant in one PostgreSQL database of the shared test cluster: each tenant's connections come from a data
/// source whose search path is exactly its schema (a startup parameter, as the Npgsql package's <c>Schema</c> placement
/// does), created on first use. Written here so the EF tests need nothing but a server.
/// </summary>
public sealed class PostgresSchemaPerTenant : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new(StringComparer.Ordinal);

    private PostgresSchemaPerTenant(PostgresTestCluster cluster, string database)
    {
        Cluster = cluster;
        Database = database;
    }

    public PostgresTestCluster Cluster { get; }

    public string Database { get; }

    public static async Task<PostgresSchemaPerTenant> CreateAsync()
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        return new PostgresSchemaPerTenant(cluster, await cluster.CreateDatabaseAsync("ef"));
    }

    public static string SchemaOf(string tenant) => "tenant_" + tenant.Replace('-', '_');

    /// <summary>The tenant's database: connections whose search path is the tenant's schema and nothing else.</summary>
    public ITenantDatabase For(TenantInfo tenant) => new SchemaDatabase(_sources.GetOrAdd(tenant.Slug, slug => new Lazy<NpgsqlDataSource>(() => CreateSource(slug))).Value);

    private NpgsqlDataSource CreateSource(string tenant)
    {
        var schema = SchemaOf(tenant);
        using (var admin = new NpgsqlConnection(Cluster.ConnectionString(Database)))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{schema}\"", admin);
            create.ExecuteNonQuery();
        }

        return NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Cluster.ConnectionString(Database)) { SearchPath = schema, MaxPoolSize = 20 });
    }

    /// <summary>Runs a query as the superuser on the test database, for checks the code under test cannot influence.</summary>
    public List<string> Query(string sql)
    {
        using var connection = new NpgsqlConnection(Cluster.ConnectionString(Database, "Pooling=false"));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetValue(0).ToString()!);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values)
        {
            if (source.IsValueCreated)
            {
                await source.Value.DisposeAsync();
            }
        }
    }

    private sealed class SchemaDatabase(NpgsqlDataSource source) : ITenantDatabase
    {
        public DbConnection OpenConnection() => source.OpenConnection();

        public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
            => await source.OpenConnectionAsync(cancellationToken);
    }
}
