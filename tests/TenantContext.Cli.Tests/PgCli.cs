using Npgsql;
using Tenancy.Npgsql;
using Tenancy.Testing;

namespace Tenancy.Cli.Tests;

/// <summary>
/// A PostgreSQL platform for the tool: the catalog and shard <c>main</c> on the first test cluster, shard <c>s1</c> on the
/// second, registered in the catalog the way the app does it (its first use of the catalog records its AddShard calls), and
/// a folder of numbered .sql migrations that tests extend.
/// </summary>
internal sealed class PgCli : IAsyncDisposable
{
    public const string Pages = "CREATE TABLE pages (id bigint PRIMARY KEY, body text NOT NULL)";

    private readonly TempFolder _folder = new();

    private Action<PostgresTenantOptions>? _app;

    private PgCli(PostgresTestCluster first, PostgresTestCluster second, string catalogDb, string mainDb, string s1Db)
    {
        First = first;
        Second = second;
        CatalogDb = catalogDb;
        MainDb = mainDb;
        S1Db = s1Db;
        Migrations = _folder["migrations"];
        Directory.CreateDirectory(Migrations);
    }

    public PostgresTestCluster First { get; }

    public PostgresTestCluster Second { get; }

    public string CatalogDb { get; }

    public string MainDb { get; }

    public string S1Db { get; }

    /// <summary>The folder given to <c>--migrations</c>.</summary>
    public string Migrations { get; }

    /// <summary>The catalog's connection string: what <c>--postgres</c> gets.</summary>
    public string Catalog => First.ConnectionString(CatalogDb);

    public static async Task<PgCli> CreateAsync(Action<PostgresTenantOptions>? app = null)
    {
        var first = await PostgresTestCluster.SharedAsync();
        var second = await PostgresTestCluster.SharedAsync(1);
        var env = new PgCli(first, second, await first.CreateDatabaseAsync("cat"), await first.CreateDatabaseAsync("main"), await second.CreateDatabaseAsync("s1"));
        env.AddStep(1, "init", Pages);
        env._app = app;

        // The app: its first use of the catalog records the shards (names and connection strings, never passwords) and its settings.
        await using (var router = env.App())
        {
            await router.Catalog.ListAsync();
        }

        return env;
    }

    /// <summary>The app's router, configured as <see cref="CreateAsync"/>'s <c>app</c> says, with the first migration step only.</summary>
    public PostgresTenantDatabases App(Action<PostgresTenantOptions>? change = null)
    {
        var o = new PostgresTenantOptions { Catalog = Catalog };
        o.AddShard("main", First.ConnectionString(MainDb));
        o.AddShard("s1", Second.ConnectionString(S1Db));
        o.Migrations.Add(1, "init", Pages);
        _app?.Invoke(o);
        change?.Invoke(o);
        return new PostgresTenantDatabases(o);
    }

    /// <summary>Adds <c>NNNN_name.sql</c> to the migrations folder.</summary>
    public void AddStep(int version, string name, string sql) =>
        File.WriteAllText(Path.Combine(Migrations, $"{version:0000}_{name}.sql"), sql);

    /// <summary>Runs the tool with <c>--postgres</c> and <c>--migrations</c> (global options after the command, as scripts often write them).</summary>
    public Task<ToolResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--postgres", Catalog, "--migrations", Migrations]);

    /// <summary>Runs the tool with <c>--postgres</c> only.</summary>
    public Task<ToolResult> RunWithoutMigrationsAsync(params string[] args) => Tool.RunAsync(["--postgres", Catalog, .. args]);

    public Task<T> CatalogScalarAsync<T>(string sql) => First.ScalarAsync<T>(sql, CatalogDb);

    public Task<T> MainScalarAsync<T>(string sql) => First.ScalarAsync<T>(sql, MainDb);

    public Task<T> S1ScalarAsync<T>(string sql) => Second.ScalarAsync<T>(sql, S1Db);

    public static async Task<bool> SchemaExistsAsync(PostgresTestCluster cluster, string database, string schema) =>
        await cluster.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = '{schema}')", database);

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}
