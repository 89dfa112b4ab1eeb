using Tenancy.Testing;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>Tenant moves between two real servers: what moves, what is verified, what a dry run and a failed verification leave.</summary>
public sealed class MoveTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(TenantMoveMode.Online)]
    [InlineData(TenantMoveMode.Offline)]
    public async Task A_schema_tenant_moves_to_another_server_with_its_rows_and_sequences_and_routing_follows(TenantMoveMode mode)
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme");
        var before = await env.Catalog.GetAsync("acme");
        var (pages, comments, next) = await env.ReadAsync("acme");

        var phases = new List<TenantMovePhase>();
        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { Mode = mode == TenantMoveMode.Online ? null : mode },
            progress: new Sync(p => { if (p.Table is null) { phases.Add(p.Phase); } }));

        var after = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("s1", PostgresIsolation.Schema, "tenant_acme", env.S1Db, before!.Epoch + 1, false), (after.Shard, after.Isolation, after.SchemaName, after.DatabaseName, after.Epoch, after.IsMoving));
        output.WriteLine(report + " | " + string.Join(", ", report.Phases.Select(p => $"{p.Phase} {p.Duration.TotalMilliseconds:0} ms")));
        Assert.Equal(mode, report.Mode); // online when both servers allow it, without asking
        Assert.Null(report.ModeReason);
        Assert.Equal(mode == TenantMoveMode.Online
            ? [TenantMovePhase.Planning, TenantMovePhase.Marking, TenantMovePhase.BuildingTarget, TenantMovePhase.Copying, TenantMovePhase.PreVerifying, TenantMovePhase.WaitingForRouters,
                TenantMovePhase.Fencing, TenantMovePhase.CatchingUp, TenantMovePhase.Verifying, TenantMovePhase.Switching, TenantMovePhase.Switched, TenantMovePhase.RemovingSource, TenantMovePhase.Done]
            : [TenantMovePhase.Planning, TenantMovePhase.Marking, TenantMovePhase.BuildingTarget, TenantMovePhase.WaitingForRouters, TenantMovePhase.Fencing,
                TenantMovePhase.Copying, TenantMovePhase.Verifying, TenantMovePhase.Switching, TenantMovePhase.Switched, TenantMovePhase.RemovingSource, TenantMovePhase.Done], phases);
        Assert.Equal(["pages", "comments"], report.Tables.Select(t => t.Table));
        Assert.All(report.Tables, t => Assert.True(t.Verified));
        Assert.Equal(pages + comments + 1, report.RowsCopied); // ReadAsync added a comment
        Assert.True(report.BytesCopied > 0);
        Assert.Equal(next, Assert.Single(report.Sequences).SourceValue);
        Assert.Contains("verified", report.ToString());
        Assert.Null(report.KeptSource);

        Assert.False(await MoveEnv.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(0L, await env.First.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenancy_moved%'", env.MainDb));
        Assert.Equal(pages, await env.Second.ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages", env.S1Db));
        Assert.Equal((pages, comments + 1, next + 1), await env.ReadAsync("acme")); // the sequence continues where it was
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        Assert.False(await env.Second.ScalarAsync<bool>("SELECT EXISTS (SELECT FROM pg_tables WHERE tablename IN ('tenancy_move_beacon', 'tenancy_move_marks'))", env.S1Db));
        Assert.Equal(0L, await env.Second.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tenancy_move%'", env.S1Db));
    }

    [Fact]
    public async Task A_schema_tenant_becomes_a_database_on_another_server_and_comes_back_as_a_schema()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("big", pages: 20);
        var (pages, comments, _) = await env.ReadAsync("big");

        var there = await env.Catalog.MoveAsync("big", "s1", PostgresIsolation.Database);
        Assert.Equal(TenantMoveMode.Offline, there.Mode);
        Assert.Contains("renamed on the way", there.ModeReason);
        var record = (await env.Catalog.GetAsync("big"))!;
        Assert.Equal(("s1", PostgresIsolation.Database, "tenant_big", "public"), (record.Shard, record.Isolation, record.DatabaseName, record.SchemaName));
        Assert.Equal(pages, await env.Second.ScalarAsync<long>("SELECT count(*) FROM public.pages", "tenant_big"));
        Assert.Equal((pages, comments + 1, comments + 2), await env.ReadAsync("big"));

        var back = await env.Catalog.MoveAsync("big", "main", PostgresIsolation.Schema);
        Assert.Equal(2, back.Tables.Count);
        Assert.False(await MoveEnv.DatabaseExistsAsync(env.Second, "tenant_big"));
        record = (await env.Catalog.GetAsync("big"))!;
        Assert.Equal(("main", PostgresIsolation.Schema, "tenant_big", 3L), (record.Shard, record.Isolation, record.SchemaName, record.Epoch));
        Assert.Equal((pages, comments + 2, comments + 3), await env.ReadAsync("big"));
        Assert.Contains("database \"tenant_big\" on shard 's1'", back.From);
        Assert.NotEqual(there.From, there.To);
    }

    [Fact]
    public async Task A_dry_run_reports_tables_rows_and_bytes_and_changes_nothing()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 10);
        var before = await env.Catalog.GetAsync("acme");

        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { DryRun = true });

        Assert.True(report.DryRun);
        Assert.Equal([("pages", 10L), ("comments", 20L)], report.Tables.Select(t => (t.Table, t.Rows)));
        Assert.True(report.BytesCopied > 0);
        Assert.Equal(TenantMoveMode.Online, report.Mode);
        Assert.StartsWith("dry run: would move 'acme'", report.ToString());
        Assert.Equal(before, await env.Catalog.GetAsync("acme"));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    [Theory]
    [InlineData(TenantMoveMode.Online)]
    [InlineData(TenantMoveMode.Offline)]
    public async Task A_row_changed_on_the_target_fails_verification_naming_the_table_and_nothing_switches(TenantMoveMode mode)
    {
        await using var env = await MoveEnv.CreateAsync();
        env.Router.Dispose();
        // Step 3 plants a trigger on the target's server only (fired by COPY and by replication alike): page 3 arrives changed.
        await using var router = env.NewRouter(o => o.Migrations.Add(3, "planted", $$"""
            DO $$ BEGIN IF current_database() = '{{env.S1Db}}' THEN
              CREATE FUNCTION plant() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF NEW.id = 3 THEN NEW.body := 'planted'; END IF; RETURN NEW; END $f$;
              CREATE TRIGGER plant BEFORE INSERT ON pages FOR EACH ROW EXECUTE FUNCTION plant();
              ALTER TABLE pages ENABLE ALWAYS TRIGGER plant;
            END IF; END $$
            """));
        await router.Catalog.CreateAsync("acme");
        await using (var c = await router.GetDatabase("acme").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages SELECT i, 'p' FROM generate_series(1, 5) i");
        }

        var ex = await Assert.ThrowsAsync<TenantMoveVerificationException>(() => router.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { Mode = mode }));

        Assert.Equal(("pages", "id (-∞, +∞) (all rows: one range)"), (ex.Table, ex.Range)); // 5 rows: one key range
        Assert.Contains("source 5 rows, hash", ex.Message);
        Assert.Contains("target 5 rows, hash", ex.Message);
        var record = (await router.Catalog.GetAsync("acme"))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        await using var again = await router.GetDatabase("acme").OpenConnectionAsync();
        Assert.Equal(1, await again.ExecAsync("INSERT INTO pages VALUES (6, 'writes resumed')"));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        Assert.Equal(0L, await env.First.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'tenancy_move_beacon'", env.MainDb));
    }

    [Theory]
    [InlineData(TenantMovePhase.Marking)]
    [InlineData(TenantMovePhase.BuildingTarget)]
    [InlineData(TenantMovePhase.WaitingForRouters)]
    [InlineData(TenantMovePhase.Fencing)]
    [InlineData(TenantMovePhase.Copying)]
    [InlineData(TenantMovePhase.PreVerifying)]
    [InlineData(TenantMovePhase.CatchingUp)]
    [InlineData(TenantMovePhase.Verifying)]
    [InlineData(TenantMovePhase.Switching)]
    public async Task A_move_cancelled_before_its_switch_leaves_the_tenant_on_its_source_and_a_rerun_completes(TenantMovePhase phase)
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 10);
        var (pages, comments, next) = await env.ReadAsync("acme");
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => env.Catalog.MoveAsync("acme", "s1",
            progress: new Sync(p => { if (p.Phase == phase) { cts.Cancel(); } }), cancellationToken: cts.Token));

        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        Assert.Equal((pages, comments + 1, next + 1), await env.ReadAsync("acme"));

        await env.Catalog.MoveAsync("acme", "s1");
        Assert.Equal((pages, comments + 2, next + 2), await env.ReadAsync("acme"));
    }

    [Fact]
    public async Task Kept_source_is_renamed_away_and_no_longer_routed()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 3);
        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { KeepSource = true });
        var key = (await env.Catalog.GetAsync("acme"))!.Key;
        Assert.Equal($"tenancy_moved_{key}_1", report.KeptSource);
        Assert.Equal(3L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM tenancy_moved_{key}_1.pages", env.MainDb));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(3L, (await env.ReadAsync("acme")).Pages);
    }

    [Fact]
    public async Task Bad_requests_say_what_to_do_and_change_nothing()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 1);
        Assert.Contains("already lives on shard 'main'", (await Assert.ThrowsAsync<ArgumentException>(() => env.Catalog.MoveAsync("acme", "main"))).Message);
        Assert.Contains("not configured", (await Assert.ThrowsAsync<ArgumentException>(() => env.Catalog.MoveAsync("acme", "nowhere"))).Message);
        await Assert.ThrowsAsync<TenantUnavailableException>(() => env.Catalog.MoveAsync("ghost", "s1"));
        Assert.Contains("no tenant column", (await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.MoveAsync("acme", "s1", PostgresIsolation.Rows))).Message); // its tables have no tenant_id
        await env.Second.ExecuteAsync("CREATE SCHEMA tenant_acme", env.S1Db);
        Assert.Contains("already exists there", (await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => env.Catalog.MoveAsync("acme", "s1"))).Message);
        Assert.Equal(("main", 1L), ((await env.Catalog.GetAsync("acme"))!.Shard, (await env.Catalog.GetAsync("acme"))!.Epoch));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    [Fact]
    public async Task With_roles_a_schema_tenant_moves_between_two_shards_of_one_server_keeping_its_role_and_a_rolled_back_attempt_keeps_it_too()
    {
        await using var env = await MoveEnv.CreateAsync();
        env.Router.Dispose();
        var s2 = await env.First.CreateDatabaseAsync("s2");
        await using var router = env.NewRouter(o =>
        {
            o.EnforceWithRoles = true;
            o.AddShard("s2", env.First.ConnectionString(s2));
        });
        const string role = "tenant_acme";
        await router.Catalog.CreateAsync("acme");
        await router.Catalog.CreateAsync("other", "s2");
        await using (var c = await router.GetDatabase("acme").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages SELECT i, 'p' FROM generate_series(1, 5) i");
        }

        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => router.Catalog.MoveAsync("acme", "s2",
            progress: new Sync(p => { if (p.Phase == TenantMovePhase.Verifying) { cts.Cancel(); } }), cancellationToken: cts.Token));
        await using (var c = await router.GetDatabase("acme").OpenConnectionAsync())
        {
            Assert.Equal(5L, await c.ScalarAsync<long>("SELECT count(*) FROM pages")); // the role and its source survived the roll-back
        }

        var report = await router.Catalog.MoveAsync("acme", "s2");

        Assert.All(report.Tables, t => Assert.True(t.Verified));
        Assert.Equal(("s2", s2), ((await router.Catalog.GetAsync("acme"))!.Shard, (await router.Catalog.GetAsync("acme"))!.DatabaseName));
        Assert.Equal(role, await env.First.ScalarAsync<string>("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'tenant_acme'", s2));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        await using (var c = await router.GetDatabase("acme").OpenConnectionAsync())
        {
            Assert.Equal((5L, role), (await c.ScalarAsync<long>("SELECT count(*) FROM pages"), await c.ScalarAsync<string>("SELECT current_user::text")));
        }

        await using (var c = await router.GetDatabase("other").OpenConnectionAsync())
        {
            await Assert.ThrowsAsync<global::Npgsql.PostgresException>(() => c.ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages")); // still apart
        }
    }

    /// <summary>Progress reported on the mover's own flow (Progress&lt;T&gt; would post it elsewhere, later).</summary>
    internal sealed class Sync(Action<TenantMoveProgress> report) : IProgress<TenantMoveProgress>
    {
        public void Report(TenantMoveProgress value) => report(value);
    }
}
