using System.Diagnostics;
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
        using var first = Child.Start("migrate", env.Cluster.ConnectionString(env.CatalogDb), shard, "race");
        using var second = Child.Start("migrate", env.Cluster.ConnectionString(env.CatalogDb), shard, "race");
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
        using (var child = Child.Start(args))
        {
            Assert.Equal("archived", await child.WaitForLineAsync("", Timeout));
        }

        await env.Catalog.RestoreAsync("kept");
        using (var child = Child.Start(args))
        {
            Assert.Equal("opened", await child.WaitForLineAsync("", Timeout));
        }
    }

    private sealed class Child : IDisposable
    {
        private readonly Process _process;

        private Child(Process process) => _process = process;

        public static Child Start(params string[] args)
        {
            var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
            var info = new ProcessStartInfo(dotnet)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TenantContext.Npgsql.Tests.Child.dll"));
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            return new Child(Process.Start(info)!);
        }

        public void Go() => _process.StandardInput.WriteLine("go");

        /// <summary>The first stdout line starting with <paramref name="prefix"/>; fails with the child's stderr when it exits first.</summary>
        public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null)
                {
                    Assert.Fail($"The child exited before printing '{prefix}': {await _process.StandardError.ReadToEndAsync(cts.Token)}");
                }

                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
