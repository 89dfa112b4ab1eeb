using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>Moves seen from other OS processes: a writer during the move, and a mover killed at each phase.</summary>
public sealed class MoveProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Another_process_writing_during_a_move_loses_no_write_and_never_writes_the_old_place_after_the_switch()
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 20);
        using var writer = ChildProcess.Start([("write"), .. env.ChildArgs, "acme"]);
        var acked = new List<long>();
        var errors = new List<string>();
        var lines = Task.Run(async () =>
        {
            while (await writer.WaitForLineAsync("", Timeout) is var line && line != "end")
            {
                lock (acked)
                {
                    if (line.StartsWith("ok ", StringComparison.Ordinal))
                    {
                        acked.Add(long.Parse(line[3..], System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        errors.Add(line);
                    }
                }
            }
        });
        await WaitAsync(() => acked.Count >= 20, lines);

        var report = await env.Catalog.MoveAsync("acme", "s1", options: new TenantMoveOptions { KeepSource = true });
        int atSwitch;
        lock (acked)
        {
            atSwitch = acked.Count;
        }

        await WaitAsync(() => acked.Count >= atSwitch + 20, lines); // the writer goes on, on the new place
        writer.Go();
        await lines.WaitAsync(Timeout);

        var key = (await env.Catalog.GetAsync("acme"))!.Key;
        var target = (await env.Second.ScalarAsync<long[]>("SELECT coalesce(array_agg(id), '{}') FROM tenant_acme.pages WHERE id >= 1000000", env.S1Db)).ToHashSet();
        var old = await env.First.ScalarAsync<long[]>($"SELECT coalesce(array_agg(id), '{{}}') FROM tenancy_moved_{key}_1.pages WHERE id >= 1000000", env.MainDb);
        Assert.All(acked, id => Assert.Contains(id, target));              // no acknowledged write was lost
        Assert.All(old, id => Assert.Contains(id, target));                // the old place holds nothing the new one lacks
        Assert.True(old.Length < target.Count, "writes after the switch reached the new place only");
        Assert.Empty(errors);                                               // a write caught at the fence waits, then lands in the new place
        Assert.True(report.FenceDuration > TimeSpan.Zero);
        output.WriteLine($"{acked.Count} writes acknowledged, {errors.Count} failed; {report}");
    }

    [Theory]
    [InlineData(TenantMovePhase.BuildingTarget)]
    [InlineData(TenantMovePhase.Copying)]
    [InlineData(TenantMovePhase.PreVerifying)]
    [InlineData(TenantMovePhase.WaitingForRouters)]
    [InlineData(TenantMovePhase.CatchingUp)]
    [InlineData(TenantMovePhase.Verifying)]
    [InlineData(TenantMovePhase.Switching)]
    [InlineData(TenantMovePhase.Switched)]
    [InlineData(TenantMovePhase.RemovingSource)]
    public async Task A_mover_killed_at_any_phase_leaves_one_readable_place_and_a_rerun_completes(TenantMovePhase phase)
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("acme", pages: 30);
        var (pages, comments, _) = await env.ReadAsync("acme");
        using (var mover = ChildProcess.Start([("move"), .. env.ChildArgs, "acme", "s1", "Schema", phase.ToString()]))
        {
            Assert.Equal($"at {phase}", await mover.WaitForLineAsync("at ", Timeout));
            await mover.KillAsync(Timeout);
        }

        var switched = phase >= TenantMovePhase.Switched;
        var record = (await env.Catalog.GetAsync("acme"))!;
        Assert.Equal(switched ? "s1" : "main", record.Shard);
        await using (var other = env.NewRouter())
        {
            var read = await env.ReadAsync("acme", other); // served from the catalog's one place, with every row
            Assert.Equal((pages, comments + 1), (read.Pages, read.Comments));
        }

        if (!switched)
        {
            // The fence died with the mover: writes to the source work again before any re-run.
            await using var c = await env.Router.GetDatabase("acme").OpenConnectionAsync();
            Assert.Equal(1, await c.ExecAsync("INSERT INTO pages VALUES (100000, 'after the kill')"));
            pages++;
        }

        var report = await env.Catalog.MoveAsync("acme", "s1");
        Assert.NotNull(report.Leftover);
        Assert.Contains(switched ? "finished an interrupted move" : "rolled back an interrupted move", report.Leftover);
        Assert.False(await MoveEnv.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(0L, await env.First.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenancy_moved%'", env.MainDb));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        Assert.Equal(("s1", 2L, false), ((await env.Catalog.GetAsync("acme"))!.Shard, (await env.Catalog.GetAsync("acme"))!.Epoch, (await env.Catalog.GetAsync("acme"))!.IsMoving));
        Assert.Equal(pages, (await env.ReadAsync("acme")).Pages);
    }

    private static async Task WaitAsync(Func<bool> condition, Task reader)
    {
        var until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.False(reader.IsCompleted, "the writer stopped early");
            Assert.True(DateTime.UtcNow < until, "the writer made no progress in time");
            await Task.Delay(20);
        }
    }
}
