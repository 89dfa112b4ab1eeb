using System.Collections.Concurrent;
using Npgsql;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>An online move while the app writes and reads through <c>TenantContext.GetDb()</c>: the fence is a wait, never an error.</summary>
public sealed class MoveUnderLoadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Writers_and_readers_through_GetDb_during_an_online_move_see_no_error_lose_no_write_and_never_another_tenants_row()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 20);
        await env.CreateWithDataAsync("other", pages: 5);
        var (acked, report) = await WriteDuringMoveAsync(env, "INSERT INTO pages VALUES ($1, $2)", "SELECT count(*) FROM pages WHERE body IN ('acme', 'other') AND body <> $1");

        Assert.Equal(TenantMoveMode.Online, report.Mode);
        var there = (await env.Second.ScalarAsync<long[]>("SELECT array_agg(id) FROM tenant_acme.pages WHERE id >= 1000000", env.S1Db)).ToHashSet();
        var here = (await env.First.ScalarAsync<long[]>("SELECT array_agg(id) FROM tenant_other.pages WHERE id >= 1000000", env.MainDb)).ToHashSet();
        Assert.All(acked, w => Assert.Contains(w.Key, w.Value == "acme" ? there : here)); // no acknowledged write was lost
        Assert.Equal(acked.Count(w => w.Value == "acme"), there.Count);                     // and none landed twice or elsewhere
    }

    [Fact]
    public async Task Writers_and_readers_of_rows_tenants_during_a_move_of_one_of_them_wait_at_the_fence_and_lose_no_write()
    {
        await using var env = await MoveEnv.CreateAsync(steps: RowsMoveTests.Steps);
        var acme = await RowsMoveTests.CreateAsync(env, "acme", "main", 20);
        var other = await RowsMoveTests.CreateAsync(env, "other", "main", 5);
        await RowsMoveTests.CreateAsync(env, "initech", "s1", 1, firstPage: 1_000_000_000);
        var (acked, report) = await WriteDuringMoveAsync(env,
            "INSERT INTO pages (id, site_id, body) VALUES ($1, current_setting('tenancy.tenant_key')::bigint, $2)",
            "SELECT count(*) FROM pages WHERE body IN ('acme', 'other') AND body <> $1 AND site_id = current_setting('tenancy.tenant_key')::bigint");

        Assert.Equal(TenantMoveMode.Offline, report.Mode);
        var there = (await env.Second.ScalarAsync<long[]>($"SELECT array_agg(id) FROM pages WHERE site_id = {acme} AND id >= 1000000 AND id < 1000000000", env.S1Db)).ToHashSet();
        var here = (await env.First.ScalarAsync<long[]>($"SELECT array_agg(id) FROM pages WHERE site_id = {other} AND id >= 1000000", env.MainDb)).ToHashSet();
        Assert.All(acked, w => Assert.Contains(w.Key, w.Value == "acme" ? there : here));
        Assert.Equal(acked.Count(w => w.Value == "acme"), there.Count);
        Assert.Equal(0L, await env.First.ScalarAsync<long>($"SELECT count(*) FROM pages WHERE site_id = {acme}", env.MainDb));
    }

    /// <summary>
    /// Eight flows (six of acme, two of other) insert a page and read through <c>TenantContext.GetDb().OpenConnection()</c>
    /// while acme moves to s1, until 100 more writes after the switch; 0 errors and 0 rows of the other tenant read.
    /// </summary>
    private async Task<(ConcurrentDictionary<long, string> Acked, TenantMoveReport Report)> WriteDuringMoveAsync(MoveEnv env, string insertSql, string foreignSql)
    {
        await using var configuration = TenantConfiguration.Build(b => b.UsePostgres(env.Configure));
        using var active = TenantContext.UseConfiguration(configuration);

        var acked = new ConcurrentDictionary<long, string>();
        var errors = new ConcurrentQueue<string>();
        long nextId = 1_000_000, reads = 0, foreign = 0;
        using var stop = new CancellationTokenSource();
        var flows = Enumerable.Range(0, 8).Select(flow => Task.Run(() =>
        {
            var tenant = flow < 6 ? "acme" : "other";
            using (TenantContext.Enter(tenant))
            {
                while (!stop.IsCancellationRequested)
                {
                    var id = Interlocked.Increment(ref nextId);
                    try
                    {
                        using var c = (NpgsqlConnection)TenantContext.GetDb().OpenConnection();
                        using (var insert = new NpgsqlCommand(insertSql, c))
                        {
                            insert.Parameters.Add(new NpgsqlParameter { Value = id });
                            insert.Parameters.Add(new NpgsqlParameter { Value = tenant });
                            insert.ExecuteNonQuery();
                        }

                        acked[id] = tenant;
                        using var read = new NpgsqlCommand(foreignSql, c);
                        read.Parameters.Add(new NpgsqlParameter { Value = tenant });
                        Interlocked.Add(ref foreign, (long)read.ExecuteScalar()!);
                        Interlocked.Increment(ref reads);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or PostgresTenantException or InvalidOperationException)
                    {
                        errors.Enqueue($"{tenant} {id}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        })).ToArray();

        TenantMoveReport report;
        try
        {
            await WaitAsync(() => acked.Count >= 100, flows);
            report = await configuration.GetPostgres().Catalog.MoveAsync("acme", "s1");
            var atSwitch = acked.Count;
            await WaitAsync(() => acked.Count >= atSwitch + 100, flows); // writing goes on, on the new place
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flows).WaitAsync(Timeout);
        }

        output.WriteLine($"{acked.Count} writes and {reads} reads, {errors.Count} errors; {report}");
        Assert.Empty(errors);
        Assert.Equal(0L, foreign);
        return (acked, report);
    }

    private static async Task WaitAsync(Func<bool> condition, Task[] flows)
    {
        var until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.DoesNotContain(flows, f => f.IsCompleted);
            Assert.True(DateTime.UtcNow < until, "the flows made no progress in time");
            await Task.Delay(20);
        }
    }
}
