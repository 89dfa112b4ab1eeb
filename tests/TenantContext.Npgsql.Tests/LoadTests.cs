using System.Collections.Concurrent;
using Npgsql;

namespace Tenancy.Npgsql.Tests;

/// <summary>Isolation under concurrency, and the connection budget with thousands of tenants rotating.</summary>
public sealed class LoadTests
{
    [Fact]
    public async Task Sixty_four_concurrent_flows_over_two_hundred_tenants_never_see_another_tenants_rows()
    {
        await using var env = await PgEnv.CreateAsync(o =>
        {
            o.MaxOpenTenants = 64; // evictions happen while flows run
            o.MaxConnectionsPerShard = 40;
        });
        var tenants = await env.BulkCreateSchemaTenantsAsync("f", 200);
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        var crossTenantRows = 0L;
        var checkedReads = 0L;
        await Parallel.ForEachAsync(Enumerable.Range(0, 64), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (flow, ct) =>
        {
            var random = new Random(flow);
            for (var i = 0; i < 15; i++)
            {
                var tenant = tenants[random.Next(tenants.Length)];
                await TenantContext.RunAsync(tenant, async () =>
                {
                    await using var c = (NpgsqlConnection)await TenantContext.GetDb().OpenConnectionAsync(ct);
                    await c.ExecAsync("INSERT INTO pages VALUES ($1, $2)", (long)(flow * 1000 + i), tenant);
                    var foreign = await c.ScalarAsync<long>("SELECT count(*) FROM pages WHERE body <> $1", tenant);
                    Interlocked.Add(ref crossTenantRows, foreign);
                    Interlocked.Increment(ref checkedReads);
                });
            }
        });

        Assert.Equal(64 * 15, checkedReads);
        Assert.Equal(0L, crossTenantRows);
        Assert.True(env.Router.OpenPoolCount <= 64);
    }

    [Fact]
    public async Task Two_thousand_tenants_rotating_never_exceed_the_shard_connection_budget()
    {
        const int budget = 12;
        await using var env = await PgEnv.CreateAsync(o =>
        {
            o.MaxConnectionsPerShard = budget;
            o.MaxOpenTenants = 500;
        });
        var tenants = await env.BulkCreateSchemaTenantsAsync("r", 2000);
        var shardDb = env.ShardDbs[0];
        var max = 0L;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            await using var c = new NpgsqlConnection(env.Cluster.ConnectionString("postgres", "Pooling=false"));
            await c.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                var n = await c.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", shardDb);
                if (n > Interlocked.Read(ref max))
                {
                    Interlocked.Exchange(ref max, n);
                }
            }
        });

        var opened = 0;
        await Parallel.ForEachAsync(tenants, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (tenant, ct) =>
        {
            await using var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync(ct);
            Assert.Equal(1L, await c.ScalarAsync<long>("SELECT count(*) FROM tenancy_migrations"));
            Interlocked.Increment(ref opened);
        });
        stop.Cancel();
        await sampler;

        Assert.Equal(2000, opened);
        Assert.True(max <= budget, $"{max} connections to the shard at once; the budget is {budget}");
        Assert.True(max > 1, "the sampler saw the load");
    }
}
