namespace Tenancy.Npgsql.Tests;

/// <summary>A mover of a rows tenant killed (SIGKILL) at each phase: the rows on one shard, a re-run completes.</summary>
public sealed class RowsMoveProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(TenantMovePhase.BuildingTarget, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.WaitingForRouters, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Fencing, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Copying, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Verifying, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Switching, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Switched, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.RemovingSource, PostgresIsolation.Rows)]
    [InlineData(TenantMovePhase.Verifying, PostgresIsolation.Schema)]
    [InlineData(TenantMovePhase.Switched, PostgresIsolation.Schema)]
    public async Task A_rows_mover_killed_at_any_phase_leaves_the_rows_readable_on_one_shard_and_a_rerun_completes(TenantMovePhase phase, PostgresIsolation to)
    {
        await using var env = await MoveEnv.CreateAsync(steps: RowsMoveTests.Steps);
        var acme = await RowsMoveTests.CreateAsync(env, "acme", "main", 30);
        var globex = await RowsMoveTests.CreateAsync(env, "globex", "main", 6);
        using (var mover = ChildProcess.Start([("move"), .. env.ChildArgs, "acme", "s1", to.ToString(), phase.ToString(), "rows"]))
        {
            Assert.Equal($"at {phase}", await mover.WaitForLineAsync("at ", Timeout));
            await mover.KillAsync(Timeout);
        }

        var switched = phase >= TenantMovePhase.Switched;
        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal((switched ? "s1" : "main", switched ? to : PostgresIsolation.Rows), (record.Shard, record.Isolation));
        var pages = 30L;
        await using (var other = env.NewRouter())
        {
            // Served from the catalog's one place, with every row; the fence died with the mover, so writes work too.
            await using var c = await other.GetDatabase("acme").OpenConnectionAsync();
            Assert.Equal(pages, await c.ScalarAsync<long>("SELECT count(*) FROM pages WHERE site_id = $1", acme));
            Assert.Equal(pages, await c.ScalarAsync<long>("SELECT count(*) FROM tags WHERE site_id = $1", acme));
            Assert.Equal(1, await c.ExecAsync("INSERT INTO pages (site_id, body) VALUES ($1, 'after the kill')", acme));
            pages++;
        }

        Assert.Equal(6L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {globex}", env.MainDb));

        var report = await env.Catalog.MoveAsync("acme", "s1", to);
        Assert.NotNull(report.Leftover);
        Assert.Contains(switched ? "finished an interrupted move" : "rolled back an interrupted move", report.Leftover);
        record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(("s1", to, 2L, false), (record.Shard, record.Isolation, record.Epoch, record.IsMoving));
        Assert.Equal(0L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {acme}", env.MainDb));
        var there = to == PostgresIsolation.Rows ? "pages" : "tenant_acme.pages";
        Assert.Equal(pages, await env.Second.ScalarAsync<long>($"SELECT count(*) FROM {there} WHERE site_id = {acme}", env.S1Db)); // once, not twice
        Assert.Equal(6L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {globex}", env.MainDb));
        Assert.Equal(0L, await env.MoveRowsAsync());
    }
}
