using Tenancy.Npgsql.Tests.Child;

namespace Tenancy.Npgsql.Tests;

/// <summary>Real OS processes: two racing to migrate one tenant, and an archive seen by another process.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_processes_racing_to_migrate_one_tenant_apply_each_step_once()
    {
        await using var env = await PgEnv.CreateAsync(o => o.Migrations.Add(1, "init", Steps.InitSql));
        await env.Catalog.CreateAsync("race");
        var shard = env.Cluster.ConnectionString(env.ShardDbs[0]);
        using var first = ChildProcess.Start("migrate", env.Cluster.ConnectionString(env.CatalogDb), shard, "race");
        using var second = ChildProcess.Start("migrate", env.Cluster.ConnectionString(env.CatalogDb), shard, "race");
        await first.WaitForLineAsync("ready", Timeout);
        await second.WaitForLineAsync("ready", Timeout);
        first.Go();
        second.Go();
        Assert.Equal("done 3", await first.WaitForLineAsync("done", Timeout));
        Assert.Equal("done 3", await second.WaitForLineAsync("done", Timeout));
        Assert.Equal(2L, await env.ScalarAsync<long>("SELECT count(*) FROM tenant_race.applied"));
        Assert.Equal(3L, await env.ScalarAsync<long>("SELECT count(*) FROM tenant_race.tenancy_migrations"));
        Assert.Equal(3, (await env.Catalog.GetAsync("race"))!.Version);
    }

    [Fact]
    public async Task An_archived_tenant_cannot_be_entered_by_another_process()
    {
        await using var env = await PgEnv.CreateAsync(o => o.Migrations.Add(1, "init", Steps.InitSql));
        await env.Catalog.CreateAsync("kept");
        var args = new[] { "open", env.Cluster.ConnectionString(env.CatalogDb), env.Cluster.ConnectionString(env.ShardDbs[0]), "kept" };
        await env.Catalog.ArchiveAsync("kept");
        using (var child = ChildProcess.Start(args))
        {
            Assert.Equal("archived", await child.WaitForLineAsync("", Timeout));
        }

        await env.Catalog.RestoreAsync("kept");
        using (var child = ChildProcess.Start(args))
        {
            Assert.Equal("opened", await child.WaitForLineAsync("", Timeout));
        }
    }
}
