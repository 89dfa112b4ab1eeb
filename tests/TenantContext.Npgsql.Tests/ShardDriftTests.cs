namespace Tenancy.Npgsql.Tests;

/// <summary>Schema in step across shards: drift between shards' shared tables is reported; a move in flight is not drift.</summary>
public sealed class ShardDriftTests
{
    [Fact]
    public async Task A_shard_whose_shared_tables_differ_from_the_others_is_reported_and_so_are_its_rows_tenants()
    {
        await using var env = await MoveEnv.CreateAsync(steps: RowsMoveTests.Steps);
        await RowsMoveTests.CreateAsync(env, "acme", "main", 2);
        await RowsMoveTests.CreateAsync(env, "initech", "s1", 2, firstPage: 1_000_000);
        Assert.All(await env.Catalog.CheckShardsAsync(), c => Assert.True(c.Healthy, string.Join(" ", c.Problems)));
        Assert.All(await env.Catalog.CheckAsync(), c => Assert.True(c.Healthy, string.Join(" ", c.Problems)));

        await env.Second.ExecuteAsync("ALTER TABLE pages ADD COLUMN by_hand int", env.S1Db);

        var shards = await env.Catalog.CheckShardsAsync();
        Assert.Equal(["main", "s1"], shards.Select(s => s.Shard));
        Assert.True(shards[0].Healthy);
        Assert.Contains("differ from those of shard 'main'", Assert.Single(shards[1].Problems));
        var tenants = await env.Catalog.CheckAsync();
        Assert.True(tenants.Single(t => t.Slug == "acme").Healthy);
        Assert.StartsWith("Its shard 's1': ", Assert.Single(tenants.Single(t => t.Slug == "initech").Problems));

        await env.Second.ExecuteAsync("INSERT INTO tenancy_migrations VALUES (7, 'later', now())", env.S1Db);
        Assert.Contains("version 7, newer than the code's 1", Assert.Single((await env.Catalog.CheckShardsAsync())[1].Problems));
    }

    [Fact]
    public async Task A_tenant_in_the_middle_of_an_online_move_shows_no_drift()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 3);
        await env.CreateWithDataAsync("other", pages: 3);
        IReadOnlyList<PostgresTenantCheck>? during = null;

        var report = await env.Catalog.MoveAsync("acme", "s1", progress: new MoveTests.Sync(p =>
        {
            if (p.Phase == TenantMovePhase.WaitingForRouters)
            {
                during = Task.Run(() => env.Catalog.CheckAsync()).WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult(); // the beacon table exists now
            }
        }));

        Assert.Equal(TenantMoveMode.Online, report.Mode);
        Assert.NotNull(during);
        Assert.All(during, c => Assert.True(c.Healthy, c.Slug + ": " + string.Join(" ", c.Problems)));
        Assert.Equal(during.Single(c => c.Slug == "acme").Fingerprint, during.Single(c => c.Slug == "other").Fingerprint);
    }
}
