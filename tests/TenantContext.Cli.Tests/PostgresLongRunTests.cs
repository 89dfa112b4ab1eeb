using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;

namespace Tenancy.Cli.Tests;

/// <summary>On PostgreSQL: Ctrl-C during migrate --all, and the live progress display of a move on a real terminal (tmux).</summary>
public sealed class PostgresLongRunTests
{
    private const int Tenants = 12;
    private const int BulkRows = 20_000;
    private readonly ITestOutputHelper _output;

    public PostgresLongRunTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Sigint_during_migrate_all_exits_130_and_leaves_every_tenant_at_a_recorded_version()
    {
        await using var env = await PgCli.CreateAsync();
        await using (var app = env.App())
        {
            for (int i = 0; i < Tenants; i++)
            {
                await app.Catalog.CreateAsync($"t{i:D2}"); // at version 1, in-process (fast)
            }
        }

        env.AddStep(2, "bulk", $"CREATE TABLE bulk AS SELECT i, md5(i::text) AS h FROM generate_series(1, {BulkRows}) i");
        env.AddStep(3, "marker", "CREATE TABLE marker (done int); INSERT INTO marker VALUES (1)");

        // Hold t01's migration lock (the advisory lock every migrator takes per placement): its first step waits, so the
        // interrupt always lands while a tenant is in flight and most tenants are still ahead.
        await using var holder = new NpgsqlConnection(env.First.ConnectionString(env.MainDb));
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock(740612, hashtext('{env.MainDb}/tenant_t01'))", holder))
        {
            await take.ExecuteNonQueryAsync();
        }

        using var process = Process.Start(Tool.StartInfo(["--postgres", env.Catalog, "--migrations", env.Migrations, "migrate", "--all", "--parallel", "1", "--json"]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited && await env.First.ScalarAsync<long>(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", env.MainDb) == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "t01's migration never reached its lock");
            await Task.Delay(50);
        }

        Assert.False(process.HasExited, "migrate --all finished before it could be interrupted");
        Assert.Equal(0, LongRunTests.Kill(process.Id, LongRunTests.IgnoresSigint() ? 15 : 2)); // SIGTERM when this host ignores SIGINT (see LongRunTests)
        await Task.Delay(500);
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", holder))
        {
            await release.ExecuteNonQueryAsync();
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        _output.WriteLine(await stderr);
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("interrupted", await stderr);

        var report = JsonDocument.Parse(await stdout).RootElement;
        Assert.True(report.GetProperty("cancelled").GetBoolean());
        var reported = report.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("slug").GetString()!, t => t.GetProperty("toVersion").GetInt32());
        Assert.True(reported.Count < Tenants, "every tenant was migrated: the interrupt came too late to test anything");
        for (int i = 0; i < Tenants; i++)
        {
            var schema = $"tenant_t{i:D2}";
            var version = await env.MainScalarAsync<int>($"SELECT max(version) FROM {schema}.tenancy_migrations");
            Assert.InRange(version, 1, 3);
            var hasBulk = await env.MainScalarAsync<bool>($"SELECT to_regclass('{schema}.bulk') IS NOT NULL");
            Assert.Equal(version >= 2, hasBulk);
            if (hasBulk)
            {
                Assert.Equal(BulkRows, await env.MainScalarAsync<long>($"SELECT count(*) FROM {schema}.bulk")); // a step is all or nothing
            }

            Assert.Equal(version >= 3, await env.MainScalarAsync<bool>($"SELECT to_regclass('{schema}.marker') IS NOT NULL"));
            if (reported.TryGetValue($"t{i:D2}", out var recorded))
            {
                Assert.Equal(recorded, version);
                Assert.Equal(version, await env.CatalogScalarAsync<int>($"SELECT version FROM tenancy.tenants WHERE slug = 't{i:D2}'"));
            }
        }

        Assert.Equal(1, await env.MainScalarAsync<int>("SELECT max(version) FROM tenant_t01.tenancy_migrations")); // its step was cancelled and rolled back

        var rerun = (await env.RunAsync("migrate", "--all", "--json")).Expect(0).Json;
        Assert.Equal(Tenants, rerun.GetProperty("succeeded").GetInt32());
        Assert.Equal(0L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.tenants WHERE version <> 3"));
    }

    [Fact]
    public async Task Move_on_a_terminal_shows_its_phases_as_a_progress_bar_and_the_verified_report()
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "this test drives a real terminal through tmux (apt-get install tmux)");
        await using var env = await PgCli.CreateAsync();
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync("INSERT INTO tenant_acme.pages SELECT i, 'page ' || i FROM generate_series(1, 200) i", env.MainDb);
        var command = string.Join(' ', new[]
            {
                Tool.Dotnet, Tool.DllPath, "--postgres", env.Catalog, "--migrations", env.Migrations, "move", "acme", "--to", "s1", "--catalog-staleness", "0",
            }.Select(LongRunTests.Quote)) + "; echo EXIT=$?; sleep 60";

        var pane = await LongRunTests.RunInTerminalAsync(command);

        _output.WriteLine("The terminal after `tenantctl move acme --to s1` (tmux capture-pane):");
        _output.WriteLine(pane);
        Assert.Contains("EXIT=0", pane);
        Assert.Contains("move acme", pane);
        Assert.Contains("━", pane); // the bar itself
        Assert.DoesNotContain("failed", pane); // one tenant moved in phases: no failure count (it read "0 failed" whatever happened)
        Assert.Contains("pages", pane); // the table of copied tables
        Assert.Contains("verified", pane);
        Assert.Equal("s1", await env.CatalogScalarAsync<string>("SELECT shard FROM tenancy.tenants WHERE slug = 'acme'"));
    }
}
