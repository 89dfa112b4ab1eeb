using System.Collections.Concurrent;
using Npgsql;
using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>A shard's connection budget under more clients than connections, and after opens that failed.</summary>
public sealed class PoolBudgetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A catalog and a shard database on the shared server; the shard reached at <paramref name="port"/> (a proxy) if given.</summary>
    private static async Task<(PostgresTenantDatabases Router, string ShardDb)> RouterAsync(int budget, int timeoutSeconds, Func<PostgresTestCluster, int>? port = null)
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        var shardDb = await cluster.CreateDatabaseAsync("budget");
        var o = new PostgresTenantOptions { Catalog = cluster.ConnectionString(await cluster.CreateDatabaseAsync("cat")), MaxConnectionsPerShard = budget };
        o.AddShard("main", new NpgsqlConnectionStringBuilder(cluster.ConnectionString(shardDb)) { Port = port?.Invoke(cluster) ?? cluster.Port, Timeout = timeoutSeconds }.ConnectionString);
        o.Migrations.Add(1, "init", PgEnv.PagesSql);
        var router = new PostgresTenantDatabases(o);
        await router.Catalog.CreateAsync("acme");
        return (router, shardDb);
    }

    [Fact]
    public async Task More_clients_than_connections_are_served_in_turn_and_none_waits_out_the_timeout()
    {
        const int budget = 4, clients = 100, ops = 3;
        var (router, _) = await RouterAsync(budget, timeoutSeconds: 20);
        await using var owned = router;
        var db = router.GetDatabase("acme");
        var errors = new ConcurrentQueue<string>();
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < ops; i++)
            {
                try
                {
                    await using var c = await db.OpenConnectionAsync();
                    await c.ExecAsync("SELECT pg_sleep(0.005)");
                    Interlocked.Increment(ref done);
                }
                catch (PostgresConnectionBudgetException ex)
                {
                    errors.Enqueue(ex.Message);
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Empty(errors); // a permit freed goes to the longest waiter: before, the first few clients kept them and the rest timed out
        Assert.Equal(clients * ops, done);
    }

    [Fact]
    public async Task Opens_that_failed_give_their_budget_back_and_the_budget_still_holds()
    {
        var proxy = (CuttableProxy?)null;
        var (router, _) = await RouterAsync(budget: 2, timeoutSeconds: 3, port: c => (proxy = new CuttableProxy(c.Port)).Port);
        await using var ownedProxy = proxy!;
        await using var owned = router;
        await router.Catalog.CreateAsync("globex");
        var db = router.GetDatabase("globex"); // never opened: no idle connection to hand out, so every open below connects

        proxy!.Cut();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await db.OpenConnectionAsync());
            output.WriteLine($"failed open {i}: {clock.ElapsedMilliseconds} ms");
        }

        proxy.Restore();
        await using var first = await db.OpenConnectionAsync();   // the failed opens left the budget's two permits free
        await using var second = await db.OpenConnectionAsync();
        output.WriteLine($"two opens: {clock.ElapsedMilliseconds} ms");
        await Assert.ThrowsAsync<PostgresConnectionBudgetException>(async () => await db.OpenConnectionAsync()); // and gave back no more than two
        output.WriteLine($"refused: {clock.ElapsedMilliseconds} ms");
    }
}
