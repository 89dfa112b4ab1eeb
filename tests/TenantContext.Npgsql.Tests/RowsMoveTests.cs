using Tenancy.Testing;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// Moves from and to shared rows: a rows tenant's rows (selected by the app's own tenant column and the catalog key)
/// moved between shards, promoted to a schema and a database of its own and back, the other tenants' rows untouched.
/// </summary>
public sealed class RowsMoveTests(ITestOutputHelper output)
{
    /// <summary>The website builder's shape (<see cref="Child.RowsSteps"/>): sites keyed by the catalog key, pages and tags carrying site_id, a shared lookup table.</summary>
    internal static void Steps(PostgresTenantOptions o) => Child.RowsSteps.Add(o);

    private static Task<MoveEnv> EnvAsync() => MoveEnv.CreateAsync(steps: Steps);

    /// <summary>A rows tenant with its site row, <paramref name="pages"/> pages (ids from <paramref name="firstPage"/>, or the sequence) and a tag on each.</summary>
    internal static async Task<long> CreateAsync(MoveEnv env, string tenant, string shard, int pages, long? firstPage = null)
    {
        var key = (await env.Catalog.CreateAsync(tenant, shard, PostgresIsolation.Rows)).Key;
        await using var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync();
        await c.ExecAsync("INSERT INTO sites VALUES ($1, $2)", key, tenant);
        await c.ExecAsync(firstPage is { } first
            ? $"INSERT INTO pages (id, site_id, body, data) SELECT {first} + i, $1, 'page ' || i, '\\x0001ff'::bytea FROM generate_series(1, {pages}) i"
            : $"INSERT INTO pages (site_id, body, data) SELECT $1, 'page ' || i, '\\x0001ff'::bytea FROM generate_series(1, {pages}) i", key);
        await c.ExecAsync("INSERT INTO tags SELECT id, site_id, 'red' FROM pages WHERE site_id = $1", key);
        return key;
    }

    /// <summary>The tenant's pages and tags as its own routed connection sees them (by its tenant column), and one new page's id.</summary>
    private static async Task<(long Pages, long Tags, long NewPage)> ReadAsync(MoveEnv env, string tenant)
    {
        var key = (await env.Catalog.GetAsync(tenant))!.Key;
        await using var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync();
        var pages = await c.ScalarAsync<long>("SELECT count(*) FROM pages WHERE site_id = $1", key);
        var tags = await c.ScalarAsync<long>("SELECT count(*) FROM tags WHERE site_id = $1", key);
        return (pages, tags, await c.ScalarAsync<long>("INSERT INTO pages (site_id, body) VALUES ($1, 'new') RETURNING id", key));
    }

    /// <summary>The tenant's pages and tags as its own routed connection sees them (by its tenant column).</summary>
    private static async Task<(long Pages, long Tags)> TwoAsync(MoveEnv env, string tenant)
    {
        var key = (await env.Catalog.GetAsync(tenant))!.Key;
        await using var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync();
        return (await c.ScalarAsync<long>("SELECT count(*) FROM pages WHERE site_id = $1", key), await c.ScalarAsync<long>("SELECT count(*) FROM tags WHERE site_id = $1", key));
    }

    private static Task<long> CountAsync(PostgresTestCluster cluster, string db, string sql) => cluster.ScalarAsync<long>(sql, db);

    [Fact]
    public async Task A_rows_tenant_moves_to_another_shard_with_its_rows_verified_and_deleted_from_the_source_the_other_tenants_untouched()
    {
        await using var env = await EnvAsync();
        var acme = await CreateAsync(env, "acme", "main", 30);
        var globex = await CreateAsync(env, "globex", "main", 10);
        var initech = await CreateAsync(env, "initech", "s1", 5, firstPage: 1_000_000);
        var lastPage = await CountAsync(env.First, env.MainDb, "SELECT max(id) FROM pages");

        var report = await env.Catalog.MoveAsync("acme", "s1");

        output.WriteLine(report.ToString());
        Assert.Equal(TenantMoveMode.Offline, report.Mode);
        Assert.Contains("shared rows", report.ModeReason);
        Assert.Equal([("sites", 1L), ("pages", 30L), ("tags", 30L)], report.Tables.Select(t => (t.Table, t.Rows))); // referenced tables first; colors is shared
        Assert.All(report.Tables, t => Assert.True(t.Verified));
        Assert.True(report.BytesCopied > 0);
        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("s1", PostgresIsolation.Rows, env.S1Db, 2L, false), (record.Shard, record.Isolation, record.DatabaseName, record.Epoch, record.IsMoving));

        Assert.Equal(0L, await CountAsync(env.First, env.MainDb, $"SELECT (SELECT count(*) FROM pages WHERE site_id = {acme}) + (SELECT count(*) FROM tags WHERE site_id = {acme}) + (SELECT count(*) FROM sites WHERE id = {acme})"));
        Assert.Equal(10L, await CountAsync(env.First, env.MainDb, $"SELECT count(*) FROM pages WHERE site_id = {globex}"));
        Assert.Equal(5L, await CountAsync(env.Second, env.S1Db, $"SELECT count(*) FROM pages WHERE site_id = {initech}"));
        Assert.Equal(2L, await CountAsync(env.Second, env.S1Db, "SELECT count(*) FROM colors")); // the shared table is not copied
        Assert.Equal(1L, await CountAsync(env.Second, env.S1Db, $"SELECT count(*) FROM pages WHERE site_id = {acme} AND data = '\\x0001ff'::bytea AND body = 'page 7'"));
        var (pages, tags, newPage) = await ReadAsync(env, "acme");
        Assert.Equal((30L, 30L), (pages, tags));
        Assert.True(newPage > lastPage, "the target's sequence was raised past the moved ids");
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    [Fact]
    public async Task A_rows_dry_run_reports_the_tenants_tables_rows_bytes_and_mode_and_changes_nothing()
    {
        await using var env = await EnvAsync();
        await CreateAsync(env, "acme", "main", 12);
        await CreateAsync(env, "globex", "main", 3);
        await CreateAsync(env, "initech", "s1", 5, firstPage: 1_000_000);

        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { DryRun = true });

        Assert.True(report.DryRun);
        Assert.Equal(TenantMoveMode.Offline, report.Mode);
        Assert.Equal([("sites", 1L), ("pages", 12L), ("tags", 12L)], report.Tables.Select(t => (t.Table, t.Rows)));
        Assert.True(report.BytesCopied > 0);
        Assert.Equal(("main", 1L), ((await env.Catalog.GetAsync("acme"))!.Shard, (await env.Catalog.GetAsync("acme"))!.Epoch));
        Assert.Equal(5L, await CountAsync(env.Second, env.S1Db, "SELECT count(*) FROM pages"));
        Assert.Equal(15L, await CountAsync(env.First, env.MainDb, "SELECT count(*) FROM pages"));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    [Fact]
    public async Task A_rows_tenant_is_promoted_to_a_schema_then_a_database_and_comes_back_to_shared_rows_keeping_its_tenant_column()
    {
        await using var env = await EnvAsync();
        var acme = await CreateAsync(env, "acme", "main", 20);
        await CreateAsync(env, "globex", "main", 4);

        var toSchema = await env.Catalog.MoveAsync("acme", "s1", PostgresIsolation.Schema);
        Assert.All(toSchema.Tables, t => Assert.True(t.Verified));
        Assert.Equal(20L, await CountAsync(env.Second, env.S1Db, $"SELECT count(*) FROM tenant_acme.pages WHERE site_id = {acme}")); // the column is kept
        Assert.Equal(0L, await CountAsync(env.First, env.MainDb, $"SELECT count(*) FROM pages WHERE site_id = {acme}"));
        Assert.Equal((20L, 20L), await TwoAsync(env, "acme"));

        var toDatabase = await env.Catalog.MoveAsync("acme", "main", PostgresIsolation.Database);
        Assert.Equal(20L, toDatabase.Tables.Single(t => t.Table == "pages").Rows);
        Assert.Equal((20L, 20L), await TwoAsync(env, "acme"));

        var back = await env.Catalog.MoveAsync("acme", "s1", PostgresIsolation.Rows);
        Assert.Equal([("sites", 1L), ("pages", 20L), ("tags", 20L)], back.Tables.Select(t => (t.Table, t.Rows)));
        Assert.False(await MoveEnv.DatabaseExistsAsync(env.First, "tenant_acme"));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("s1", PostgresIsolation.Rows, 4L), (record.Shard, record.Isolation, record.Epoch));
        var (pages, tags, newPage) = await ReadAsync(env, "acme");
        Assert.Equal((20L, 20L), (pages, tags));
        Assert.True(newPage > 20, "the sequences followed the rows through every place");
        Assert.Equal(4L, await CountAsync(env.First, env.MainDb, "SELECT count(*) FROM pages")); // globex's, untouched throughout
    }

    [Theory]
    [InlineData(TenantMovePhase.Copying)]
    [InlineData(TenantMovePhase.Verifying)]
    [InlineData(TenantMovePhase.Switching)]
    public async Task A_rows_move_cancelled_before_its_switch_leaves_the_rows_on_the_source_only_and_a_rerun_completes(TenantMovePhase phase)
    {
        await using var env = await EnvAsync();
        var acme = await CreateAsync(env, "acme", "main", 10);
        using var cts = new CancellationTokenSource();
        var cancelAt = phase == TenantMovePhase.Copying ? "tags" : null; // Copying: after some tables were copied
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => env.Catalog.MoveAsync("acme", "s1",
            progress: new MoveTests.Sync(p => { if (p.Phase == phase && p.Table == cancelAt) { cts.Cancel(); } }), cancellationToken: cts.Token));

        Assert.Equal(("main", 1L, false), ((await env.Catalog.GetAsync("acme"))!.Shard, (await env.Catalog.GetAsync("acme"))!.Epoch, (await env.Catalog.GetAsync("acme"))!.IsMoving));
        Assert.Equal(0L, await CountAsync(env.Second, env.S1Db, $"SELECT count(*) FROM pages WHERE site_id = {acme}"));
        Assert.Equal((10L, 10L), await TwoAsync(env, "acme"));

        var report = await env.Catalog.MoveAsync("acme", "s1");
        Assert.Equal(10L, report.Tables.Single(t => t.Table == "pages").Rows);
        Assert.Equal((10L, 10L), await TwoAsync(env, "acme"));
        Assert.Equal(0L, await CountAsync(env.First, env.MainDb, "SELECT count(*) FROM pages"));
    }

    [Fact]
    public async Task A_rows_move_refuses_keys_that_collide_on_the_target_and_switches_nothing()
    {
        await using var env = await EnvAsync();
        await CreateAsync(env, "acme", "main", 3, firstPage: 0);
        await CreateAsync(env, "initech", "s1", 3, firstPage: 0); // pages 1..3 on both shards

        var ex = await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.MoveAsync("acme", "s1"));

        Assert.Contains("include the tenant column (PRIMARY KEY (site_id, id))", ex.Message);
        Assert.Equal("main", (await env.Catalog.GetAsync("acme"))!.Shard);
        Assert.Equal((3L, 3L), await TwoAsync(env, "acme"));
        Assert.Equal(3L, await CountAsync(env.Second, env.S1Db, "SELECT count(*) FROM pages"));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }

    /// <summary>The key scheme moves keep: every shared table's primary key includes the tenant column, ids from the shard's sequence.</summary>
    private static void KeyedSteps(PostgresTenantOptions o)
    {
        o.Isolation = PostgresIsolation.Rows;
        o.TenantColumn = "site_id";
        o.TenantColumns["sites"] = "id";
        o.Migrations.Add(1, "sites", """
            CREATE TABLE sites (id bigint PRIMARY KEY, name text NOT NULL);
            CREATE TABLE pages (site_id bigint NOT NULL REFERENCES sites(id), id bigint GENERATED BY DEFAULT AS IDENTITY, body text NOT NULL,
                                PRIMARY KEY (site_id, id));
            """);
    }

    [Fact]
    public async Task Rows_keyed_by_the_tenant_column_move_both_ways_between_shards_whose_sequences_hand_out_the_same_ids()
    {
        await using var env = await MoveEnv.CreateAsync(steps: KeyedSteps);
        async Task<long> AddPageAsync(string tenant)
        {
            var key = (await env.Catalog.GetAsync(tenant))!.Key;
            await using var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync();
            if (await c.ScalarAsync<long>("SELECT count(*) FROM sites WHERE id = $1", key) == 0)
            {
                await c.ExecAsync("INSERT INTO sites VALUES ($1, $2)", key, tenant);
            }

            return await c.ScalarAsync<long>("INSERT INTO pages (site_id, body) VALUES ($1, 'p') RETURNING id", key);
        }

        await env.Catalog.CreateAsync("acme", "main", PostgresIsolation.Rows);
        await env.Catalog.CreateAsync("initech", "s1", PostgresIsolation.Rows);
        var acme = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            acme.Add(await AddPageAsync("acme"));
            await AddPageAsync("initech");
        }

        Assert.Equal([1L, 2L, 3L], acme); // initech has pages 1..3 on s1 too

        await env.Catalog.MoveAsync("acme", "s1");
        acme.Add(await AddPageAsync("acme"));
        await AddPageAsync("initech");
        await env.Catalog.MoveAsync("acme", "main");
        acme.Add(await AddPageAsync("acme"));

        Assert.Equal(acme.Count, acme.Distinct().Count());
        Assert.True(acme[^1] > acme[^2] && acme[^2] > 3, "each shard's sequence is past every id of the tenant that moved in");
        var key = (await env.Catalog.GetAsync("acme"))!.Key;
        Assert.Equal(5L, await CountAsync(env.First, env.MainDb, $"SELECT count(*) FROM pages WHERE site_id = {key}"));
        Assert.Equal(0L, await CountAsync(env.Second, env.S1Db, $"SELECT count(*) FROM pages WHERE site_id = {key}"));
        Assert.Equal(4L, await CountAsync(env.Second, env.S1Db, "SELECT count(*) FROM pages")); // initech's, untouched
    }
}
