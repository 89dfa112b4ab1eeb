using Npgsql;

namespace Tenancy.Npgsql.Tests;

/// <summary>Migrations per tenant: one transaction per step, recorded in the tenant and the catalog, newer-than-code refused.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task A_new_step_is_applied_on_first_use_and_recorded_in_the_tenant_and_the_catalog()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await using var v2 = env.SecondRouter(o => o.Migrations.Add(2, "tags", "ALTER TABLE pages ADD COLUMN tags text[]"));
        await using (var c = await v2.GetDatabase("acme").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'x', '{a}')");
            Assert.Equal(2, await c.ScalarAsync<int>("SELECT max(version) FROM tenancy_migrations"));
        }

        Assert.Equal(2, (await v2.Catalog.GetAsync("acme"))!.Version);
    }

    [Fact]
    public async Task A_first_use_cancelled_during_its_migration_does_not_fail_the_opens_waiting_for_it()
    {
        // Concurrent first use: the first open migrates, the others wait for it. When the first caller's request is cancelled
        // (its client went away), the waiting opens must take over, not fail with a cancellation that was not theirs.
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await using var holder = new NpgsqlConnection(env.Cluster.ConnectionString(env.ShardDbs[0]));
        await holder.OpenAsync();
        await holder.ExecAsync("SELECT pg_advisory_lock(1, 42)"); // step 2 waits for it
        await using var v2 = env.SecondRouter(o => o.Migrations.Add(2, "waits", "SELECT pg_advisory_xact_lock(1, 42)"));
        using var cancel = new CancellationTokenSource();

        var first = v2.GetDatabase("acme").OpenConnectionAsync(cancel.Token).AsTask();
        await WaitForAsync(env, $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{env.ShardDbs[0]}' AND wait_event_type = 'Lock'", 1);
        var second = v2.GetDatabase("acme").OpenConnectionAsync().AsTask();
        await WaitForAsync(env, $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{env.ShardDbs[0]}' AND backend_type = 'client backend'", 3);
        await Task.Delay(300); // the second open has its connection and waits for the first's migration
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        await holder.ExecAsync("SELECT pg_advisory_unlock(1, 42)");

        await using var c = await second.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, await c.ScalarAsync<int>("SELECT max(version) FROM tenancy_migrations"));
    }

    private static async Task WaitForAsync(PgEnv env, string countSql, long atLeast)
    {
        for (var i = 0; i < 600 && await env.Cluster.ScalarAsync<long>(countSql) < atLeast; i++)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_tenant_newer_than_the_code_refuses_to_open()
    {
        await using var env = await PgEnv.CreateAsync(o => o.Migrations.Add(2, "tags", "ALTER TABLE pages ADD COLUMN tags text[]"));
        await env.Catalog.CreateAsync("acme");
        await using var old = env.SecondRouter();
        var ex = await Assert.ThrowsAsync<PostgresTenantVersionException>(async () => await old.GetDatabase("acme").OpenConnectionAsync());
        Assert.Equal((2, 1), (ex.TenantVersion, ex.SupportedVersion));
        Assert.Contains("newer release", ex.Message);
    }

    [Fact]
    public async Task A_failed_step_names_tenant_step_and_the_server_error_and_keeps_the_previous_version()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await using var broken = env.SecondRouter(o => o.Migrations
            .Add(2, "good", "CREATE TABLE notes (id int)")
            .Add(3, "bad", "ALTER TABLE no_such_table ADD COLUMN x int"));
        var ex = await Assert.ThrowsAsync<PostgresTenantMigrationException>(async () => await broken.GetDatabase("acme").OpenConnectionAsync());
        Assert.Equal((3, "bad", 2), (ex.Version, ex.StepName, ex.PreviousVersion));
        Assert.Contains("'acme'", ex.Message);
        Assert.Contains("no_such_table", ex.Message);
        Assert.Equal(2, await env.ScalarAsync<int>("SELECT max(version) FROM tenant_acme.tenancy_migrations"));
    }

    [Fact]
    public async Task A_code_step_runs_in_the_step_transaction()
    {
        await using var env = await PgEnv.CreateAsync(o => o.Migrations.Add(2, "seed", async (c, tx, ct) =>
        {
            await using var cmd = new NpgsqlCommand("INSERT INTO pages VALUES (1, 'seeded')", c, tx);
            await cmd.ExecuteNonQueryAsync(ct);
        }));
        await env.Catalog.CreateAsync("acme");
        Assert.Equal(1L, await env.ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"));
    }

    [Fact]
    public async Task MigrateAll_skips_current_tenants_continues_past_failures_records_outcomes_and_resumes()
    {
        await using var env = await PgEnv.CreateAsync();
        foreach (var t in new[] { "a", "b", "c", "d" })
        {
            await env.Catalog.CreateAsync(t);
        }

        await env.ExecuteAsync("CREATE TABLE tenant_c.blocker (id int)"); // step 2 fails on c only
        await using var v2 = env.SecondRouter(o => o.Migrations.Add(2, "blocker", "CREATE TABLE blocker (id int)"));

        var dry = await v2.Catalog.MigrateAllAsync(dryRun: true);
        Assert.True(dry.DryRun);
        Assert.All(dry.Results, r => Assert.Equal((1, 2), (r.FromVersion, r.ToVersion)));
        Assert.Equal(0L, await env.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'blocker' AND schemaname <> 'tenant_c'"));

        var progress = new List<TenantMigrationProgress>();
        var report = await v2.Catalog.MigrateAllAsync(parallelism: 2, progress: new SyncProgress<TenantMigrationProgress>(progress.Add));
        Assert.Equal(["a", "b", "c", "d"], report.Results.Select(r => r.Slug));
        Assert.Equal(3, report.Succeeded);
        var failed = Assert.Single(report.Results, r => !r.Succeeded);
        Assert.Equal(("c", 1), (failed.Slug, failed.ToVersion));
        Assert.Contains("blocker", failed.Error!.Message);
        Assert.Equal(4, progress.Count);
        Assert.Contains("blocker", await env.Cluster.ScalarAsync<string>("SELECT migration_error FROM tenancy.tenants WHERE slug = 'c'", env.CatalogDb));

        await env.ExecuteAsync("DROP TABLE tenant_c.blocker");
        var rerun = await v2.Catalog.MigrateAllAsync();
        Assert.Equal(4, rerun.Succeeded);
        Assert.Equal(("c", 1, 2), rerun.Results.Where(r => r.FromVersion != r.ToVersion).Select(r => (r.Slug, r.FromVersion, r.ToVersion)).Single());
    }

    [Fact]
    public async Task MigrateAll_runs_schema_tenants_on_its_workers_connections_as_each_tenants_role_and_fails_closed_on_a_missing_schema()
    {
        var suffix = Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")[..6];
        void Roles(PostgresTenantOptions o)
        {
            o.EnforceWithRoles = true;
            o.SchemaTemplate = "m_{tenant}_" + suffix; // roles are cluster-wide: unique per test run
        }

        await using var env = await PgEnv.CreateAsync(Roles);
        foreach (var t in new[] { "a", "b", "c", "d", "e", "f" })
        {
            await env.Catalog.CreateAsync(t);
        }

        await env.ExecuteAsync($"DROP SCHEMA \"m_c_{suffix}\" CASCADE"); // lost behind the catalog's back
        await using var v2 = env.SecondRouter(o =>
        {
            Roles(o);
            o.Migrations.Add(2, "notes", "CREATE TABLE notes (id int)");
        });

        var report = await v2.Catalog.MigrateAllAsync();

        Assert.Equal(5, report.Succeeded);
        var failed = Assert.Single(report.Results, r => !r.Succeeded);
        Assert.Equal("c", failed.Slug);
        Assert.IsType<PostgresRoutingException>(failed.Error);
        Assert.Equal(0L, await env.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'notes' AND schemaname NOT LIKE 'm\\_%'"));
        foreach (var t in new[] { "a", "b", "d", "e", "f" })
        {
            var schema = $"m_{t}_{suffix}";
            Assert.Equal(schema, await env.ScalarAsync<string>($"SELECT tableowner::text FROM pg_tables WHERE tablename = 'notes' AND schemaname = '{schema}'"));
        }

        Assert.Equal(1, v2.OpenPoolCount); // the shard's own pool: no pool per tenant schema, none of an application's evicted
        await using var shard = await v2.OpenShardConnectionAsync();
        Assert.Equal(("\"public\"", env.ShardUser), (await shard.ScalarAsync<string>("SELECT current_setting('search_path')"), await shard.ScalarAsync<string>("SELECT current_user::text")));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
