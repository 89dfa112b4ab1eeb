// The second process of the PostgreSQL tests.
//   migrate CATALOG SHARD TENANT   prints "ready", waits for a line on stdin, opens the tenant (migrating it to version 3), prints "done N"
//   open CATALOG SHARD TENANT      opens the tenant once and prints "opened", "archived" or "not-found"
using Npgsql;
using Tenancy;
using Tenancy.Npgsql;

var (mode, catalog, shard, tenant) = (args[0], args[1], args[2], args[3]);
var options = new PostgresTenantOptions { Catalog = catalog };
options.AddShard("main", shard);
Tenancy.Npgsql.Tests.Child.Steps.Add(options.Migrations);
await using var router = new PostgresTenantDatabases(options);

if (mode == "migrate")
{
    Console.WriteLine("ready");
    Console.ReadLine();
    await using var c = await router.GetDatabase(tenant).OpenConnectionAsync();
    await using var cmd = new NpgsqlCommand("SELECT max(version) FROM tenancy_migrations", c);
    Console.WriteLine($"done {await cmd.ExecuteScalarAsync()}");
    return 0;
}

try
{
    (await router.GetDatabase(tenant).OpenConnectionAsync()).Dispose();
    Console.WriteLine("opened");
}
catch (TenantUnavailableException ex)
{
    Console.WriteLine(ex.Reason == TenantUnavailableReason.Archived ? "archived" : "not-found");
}

return 0;

namespace Tenancy.Npgsql.Tests.Child
{
    /// <summary>The steps both the tests and the child know: 1 makes pages; 2 and 3 are slow and count their runs in <c>applied</c>.</summary>
    public static class Steps
    {
        public const string InitSql = "CREATE TABLE pages (id bigint PRIMARY KEY, body text NOT NULL)";

        public static void Add(PostgresMigrationCollection migrations) => migrations
            .Add(1, "init", InitSql)
            .Add(2, "applied", "CREATE TABLE applied (version int NOT NULL); INSERT INTO applied VALUES (2); SELECT pg_sleep(0.3)")
            .Add(3, "more", "INSERT INTO applied VALUES (3); SELECT pg_sleep(0.3)");
    }
}
