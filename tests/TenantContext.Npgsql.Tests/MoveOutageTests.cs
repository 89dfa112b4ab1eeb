using Npgsql;
using Tenancy.Testing;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// Two servers of this class's own, so they can be restarted and cut off without disturbing other tests; durable (the
/// shared test servers commit asynchronously, so a crash there loses the last commits, which is not what is tested).
/// </summary>
public sealed class OwnClusters : IAsyncLifetime
{
    public PostgresTestCluster First { get; private set; } = null!;

    public PostgresTestCluster Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var starting = new[] { PostgresTestCluster.StartAsync("o0", durable: true), PostgresTestCluster.StartAsync("o1", durable: true) };
        (First, Second) = (await starting[0], await starting[1]);
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}

/// <summary>
/// A move interrupted by the world, not by its caller: a server restarted (as after a crash) or the network to the target
/// cut, at a phase. The move fails with an exception, the tenant serves from exactly one place with all its rows, and
/// MoveAsync run again (once the server or the network is back) completes, verified, with nothing left behind.
/// </summary>
public sealed class MoveOutageTests(OwnClusters clusters, ITestOutputHelper output) : IClassFixture<OwnClusters>
{
    public enum Outage
    {
        /// <summary>The target's server restarts (its connections and the subscription's are cut; it comes back at once).</summary>
        RestartTarget,

        /// <summary>The source's server restarts; it holds the catalog too, so the mover loses the fence and the catalog.</summary>
        RestartSource,

        /// <summary>Every connection to the target's server is reset, and new ones too, until the test restores the link.</summary>
        CutTarget,
    }

    [Theory]
    [InlineData(Outage.RestartTarget, TenantMovePhase.CatchingUp)]
    [InlineData(Outage.RestartSource, TenantMovePhase.Verifying)]
    [InlineData(Outage.RestartSource, TenantMovePhase.Switched)]
    [InlineData(Outage.CutTarget, TenantMovePhase.CatchingUp)]
    public async Task An_online_schema_move_hit_by_an_outage_leaves_one_place_with_every_row_and_a_rerun_completes(Outage outage, TenantMovePhase phase)
    {
        await using var proxy = new CuttableProxy(clusters.Second.Port);
        await using var env = await MoveEnv.CreateAsync(clusters: (clusters.First, clusters.Second), s1Port: proxy.Port);
        await env.CreateWithDataAsync("acme", pages: 40);
        await env.CreateWithDataAsync("other", pages: 3);
        var (pages, comments, _) = await env.ReadAsync("acme");
        comments++; // the comment ReadAsync wrote

        var hit = 0;
        var failure = await Record.ExceptionAsync(() => env.Catalog.MoveAsync("acme", "s1", progress: new MoveTests.Sync(p =>
        {
            if (p.Phase == phase && p.Table is null && Interlocked.Exchange(ref hit, 1) == 0)
            {
                Hit(outage, proxy);
            }
        })));

        Assert.Equal(1, hit);
        output.WriteLine($"the move: {failure?.GetType().Name}: {failure?.Message}");
        var switched = phase >= TenantMovePhase.Switched;
        if (!switched)
        {
            Assert.NotNull(failure); // an outage before the switch fails the move; after it, the switch stands
        }
        else if (failure is not null)
        {
            Assert.Contains("run MoveAsync again", failure.Message); // the old copy could not be removed: the next move does it
        }

        var record = await ReadRecordAsync(env);
        Assert.Equal(switched ? "s1" : "main", record.Shard);
        proxy.Restore();

        // One place serves every row, to a router of another process, and takes writes.
        await using (var other = env.NewRouter())
        {
            var read = await ReadWithRetryAsync(env, "acme", other);
            Assert.Equal((pages, comments), (read.Pages, read.Comments));
            comments++;
        }

        Assert.Equal(3L, (await env.ReadAsync("other")).Pages);

        if (failure is not null)
        {
            // The rerun: rolls the interrupted move back and moves, or finishes it.
            var report = await env.Catalog.MoveAsync("acme", "s1").WaitAsync(TimeSpan.FromSeconds(120));
            output.WriteLine(report.ToString());
            Assert.All(report.Tables, t => Assert.True(t.Verified));
        }

        Assert.Equal(("s1", false), ((await env.Catalog.GetAsync("acme"))!.Shard, (await env.Catalog.GetAsync("acme"))!.IsMoving));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(0L, await env.First.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenancy_moved%'", env.MainDb));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await ReplicationLeftoversAsync(env));
        var after = await env.ReadAsync("acme");
        Assert.Equal((pages, comments), (after.Pages, after.Comments));
    }

    [Theory]
    [InlineData(Outage.RestartSource, TenantMovePhase.Verifying)]
    [InlineData(Outage.CutTarget, TenantMovePhase.Copying)]
    public async Task A_rows_move_hit_by_an_outage_leaves_the_rows_on_one_shard_and_a_rerun_completes(Outage outage, TenantMovePhase phase)
    {
        await using var proxy = new CuttableProxy(clusters.Second.Port);
        await using var env = await MoveEnv.CreateAsync(steps: RowsMoveTests.Steps, clusters: (clusters.First, clusters.Second), s1Port: proxy.Port);
        var acme = await RowsMoveTests.CreateAsync(env, "acme", "main", 25);
        var globex = await RowsMoveTests.CreateAsync(env, "globex", "main", 4);
        await RowsMoveTests.CreateAsync(env, "initech", "s1", 2, firstPage: 1_000_000);

        var hit = 0;
        var failure = await Record.ExceptionAsync(() => env.Catalog.MoveAsync("acme", "s1", progress: new MoveTests.Sync(p =>
        {
            if (p.Phase == phase && Interlocked.Exchange(ref hit, 1) == 0)
            {
                Hit(outage, proxy);
            }
        })));

        Assert.Equal(1, hit);
        output.WriteLine($"the move: {failure?.GetType().Name}: {failure?.Message}");
        Assert.NotNull(failure);
        Assert.Equal("main", (await ReadRecordAsync(env)).Shard);
        proxy.Restore();
        Assert.Equal(25L, await CountWithRetryAsync(env.First, env.MainDb, $"SELECT count(*) FROM pages WHERE site_id = {acme}"));
        Assert.Equal(4L, await CountWithRetryAsync(env.First, env.MainDb, $"SELECT count(*) FROM pages WHERE site_id = {globex}"));
        await using (var c = await env.NewRouter().GetDatabase("acme").OpenConnectionAsync())
        {
            Assert.Equal(25L, await c.ScalarAsync<long>("SELECT count(*) FROM pages WHERE site_id = $1", acme));
        }

        var report = await env.Catalog.MoveAsync("acme", "s1").WaitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine(report.ToString());
        Assert.Equal(25L, report.Tables.Single(t => t.Table == "pages").Rows);
        Assert.Equal(0L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {acme}", env.MainDb));
        Assert.Equal(25L, await env.Second.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {acme}", env.S1Db)); // once, not twice
        Assert.Equal(4L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {globex}", env.MainDb));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    /// <summary>Runs the outage from inside the mover's progress report (the mover's thread waits for it).</summary>
    private void Hit(Outage outage, CuttableProxy proxy)
    {
        output.WriteLine($"{outage} at {DateTime.UtcNow:HH:mm:ss.fff}");
        switch (outage)
        {
            case Outage.RestartTarget:
                clusters.Second.RestartAsync().GetAwaiter().GetResult();
                break;
            case Outage.RestartSource:
                clusters.First.RestartAsync().GetAwaiter().GetResult();
                break;
            default:
                proxy.Cut();
                break;
        }

        NpgsqlConnection.ClearAllPools(); // the test's own pools: connections of a restarted server are dead
    }

    /// <summary>The catalog's record; right after a restart the first attempt may meet a connection the restart broke.</summary>
    private static async Task<PostgresTenantRecord> ReadRecordAsync(MoveEnv env)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await env.Catalog.GetAsync("acme"))!;
            }
            catch (NpgsqlException) when (attempt < 5)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<(long Pages, long Comments, long NextComment)> ReadWithRetryAsync(MoveEnv env, string tenant, PostgresTenantDatabases router)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await env.ReadAsync(tenant, router);
            }
            catch (NpgsqlException) when (attempt < 5)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<long> CountWithRetryAsync(PostgresTestCluster cluster, string db, string sql)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await cluster.ScalarAsync<long>(sql, db);
            }
            catch (NpgsqlException) when (attempt < 5)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Publications and slots on the source's server, subscriptions on the target's.</summary>
    private static async Task<long> ReplicationLeftoversAsync(MoveEnv env) =>
        await env.First.ScalarAsync<long>("SELECT count(*) FROM pg_publication", env.MainDb)
        + await env.First.ScalarAsync<long>($"SELECT count(*) FROM pg_replication_slots WHERE database = '{env.MainDb}'")
        + await env.Second.ScalarAsync<long>($"SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = '{env.S1Db}'");
}
