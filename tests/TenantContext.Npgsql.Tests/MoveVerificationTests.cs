using Tenancy.Testing;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// How a move verifies: online, per key range before the write fence (while replication keeps the target in step), with
/// only the ranges changed since compared again under the fence; every kind of move names the table and the key range
/// that differs.
/// </summary>
public sealed class MoveVerificationTests(ITestOutputHelper output)
{
    /// <summary>Pages 1..5,000: three key ranges of pages (<see cref="PostgresKeyRanges.MinRangeRows"/> = 2,000), bounds 2001 and 4001.</summary>
    private const int Pages = 5000;

    [Fact]
    public async Task A_difference_planted_on_the_target_after_the_pre_check_is_caught_under_the_fence_and_nothing_switches()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: Pages);
        var planted = false;

        // Between the comparison before the fence and the fence itself: a row of the target changed behind replication's back.
        var ex = await Assert.ThrowsAsync<TenantMoveVerificationException>(() => env.Catalog.MoveAsync("acme", "s1",
            options: new TenantMoveOptions { Mode = TenantMoveMode.Online },
            progress: new MoveTests.Sync(p =>
            {
                if (p.Phase == TenantMovePhase.WaitingForRouters && !planted)
                {
                    planted = true;
                    env.Second.ExecuteAsync("UPDATE tenant_acme.pages SET body = 'planted' WHERE id = 4500", env.S1Db).GetAwaiter().GetResult();
                }
            })));

        output.WriteLine(ex.Message);
        Assert.True(planted);
        Assert.Equal(("pages", "id [4001, +∞)"), (ex.Table, ex.Range));
        Assert.Contains("\"pages\" differs between source and target in key range id [4001, +∞) (source 1000 rows, hash", ex.Message);
        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        await using var again = await env.Router.GetDatabase("acme").OpenConnectionAsync();
        Assert.Equal(1, await again.ExecAsync("UPDATE pages SET body = 'writes resumed' WHERE id = 4500"));
    }

    [Fact]
    public async Task Writes_and_a_truncate_on_the_source_after_the_pre_check_are_compared_again_under_the_fence_and_only_their_ranges()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: Pages);
        var written = false;

        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { Mode = TenantMoveMode.Online },
            progress: new MoveTests.Sync(p =>
            {
                if (p.Phase == TenantMovePhase.WaitingForRouters && !written)
                {
                    written = true;
                    // One page changed in the first range, one added past the last; all comments gone (a TRUNCATE fires no row trigger).
                    env.First.ExecuteAsync(
                        "UPDATE tenant_acme.pages SET body = 'changed' WHERE id = 10; INSERT INTO tenant_acme.pages VALUES (9000, 'new'); TRUNCATE tenant_acme.comments",
                        env.MainDb).GetAwaiter().GetResult();
                }
            }));

        output.WriteLine(report + " | " + string.Join(", ", report.Tables.Select(t => $"{t.Table}: {t.RangesInFence} of {t.Ranges} ranges in the fence")));
        Assert.True(written);
        var pages = report.Tables.Single(t => t.Table == "pages");
        var comments = report.Tables.Single(t => t.Table == "comments");
        Assert.Equal((Pages + 1L, 3, 2), (pages.Rows, pages.Ranges, pages.RangesInFence)); // the first and the last range; the middle one was not touched
        Assert.Equal(0L, comments.Rows);
        Assert.Equal(comments.Ranges, comments.RangesInFence); // truncated: every range again
        Assert.All(report.Tables, t => Assert.True(t.Verified));
        Assert.Equal(Pages + 1L, await env.Second.ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages", env.S1Db));
        Assert.Equal("changed", await env.Second.ScalarAsync<string>("SELECT body FROM tenant_acme.pages WHERE id = 10", env.S1Db));
        Assert.Equal(0L, await env.Second.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'tenancy_move_marks'", env.S1Db));
        Assert.Equal(0L, await env.Second.ScalarAsync<long>("SELECT count(*) FROM pg_proc WHERE proname LIKE 'tenancy_move_mark%'", env.S1Db));
        Assert.Equal(0L, await env.Second.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tenancy_move%'", env.S1Db));
    }

    [Fact]
    public async Task An_online_move_of_an_unchanged_tenant_compares_nothing_again_under_the_fence()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: Pages);

        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { Mode = TenantMoveMode.Online });

        Assert.Equal([("pages", 3, 0), ("comments", 5, 0)], report.Tables.Select(t => (t.Table, t.Ranges, t.RangesInFence)));
        Assert.All(report.Tables, t => Assert.True(t.Verified));
        Assert.Contains(report.Phases, p => p.Phase == TenantMovePhase.PreVerifying);
    }

    public enum Kind
    {
        SchemaOnline,
        SchemaOffline,
        SchemaToDatabase,
        Rows,
    }

    [Theory]
    [InlineData(Kind.SchemaOnline)]
    [InlineData(Kind.SchemaOffline)]
    [InlineData(Kind.SchemaToDatabase)]
    [InlineData(Kind.Rows)]
    public async Task A_mismatch_names_the_table_and_its_key_range_for_every_kind_of_move(Kind kind)
    {
        await using var env = await MoveEnv.CreateAsync(steps: kind == Kind.Rows ? RowsMoveTests.Steps : null);
        env.Router.Dispose();
        var first = kind == Kind.Rows ? 100_000L : 0L;
        // The last step plants a trigger wherever the target is (not in the source's database): page first + 4500 arrives changed.
        await using var router = env.NewRouter(o => o.Migrations.Add(kind == Kind.Rows ? 2 : 3, "planted", $$"""
            DO $$ BEGIN IF current_database() <> '{{env.MainDb}}' THEN
              CREATE FUNCTION plant() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN IF NEW.id = {{first + 4500}} THEN NEW.body := 'planted'; END IF; RETURN NEW; END $f$;
              CREATE TRIGGER plant BEFORE INSERT ON pages FOR EACH ROW EXECUTE FUNCTION plant();
              ALTER TABLE pages ENABLE ALWAYS TRIGGER plant;
            END IF; END $$
            """));
        if (kind == Kind.Rows)
        {
            var key = (await router.Catalog.CreateAsync("acme", "main", PostgresIsolation.Rows)).Key;
            await using var c = await router.GetDatabase("acme").OpenConnectionAsync();
            await c.ExecAsync("INSERT INTO sites VALUES ($1, 'acme')", key);
            await c.ExecAsync($"INSERT INTO pages (id, site_id, body) SELECT {first} + i, $1, 'page ' || i FROM generate_series(1, {Pages}) i", key);
        }
        else
        {
            await router.Catalog.CreateAsync("acme");
            await using var c = await router.GetDatabase("acme").OpenConnectionAsync();
            await c.ExecAsync($"INSERT INTO pages SELECT i, 'page ' || i FROM generate_series(1, {Pages}) i");
        }

        var ex = await Assert.ThrowsAsync<TenantMoveVerificationException>(() => router.Catalog.MoveAsync("acme", "s1",
            kind == Kind.SchemaToDatabase ? PostgresIsolation.Database : null,
            options: new TenantMoveOptions { Mode = kind == Kind.SchemaOnline ? TenantMoveMode.Online : kind == Kind.SchemaOffline ? TenantMoveMode.Offline : null }));

        output.WriteLine(ex.Message);
        var range = $"id [{first + 4001}, +∞)";
        Assert.Equal(("pages", range), (ex.Table, ex.Range));
        Assert.Contains($"\"pages\" differs between source and target in key range {range} (source 1000 rows, hash ", ex.Message);
        Assert.Contains("target 1000 rows, hash ", ex.Message);
        var record = (await router.Catalog.GetAsync("acme"))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }
}
