using System.Diagnostics;
using System.Text.Json;
using Tenancy.Sqlite;
using Xunit.Abstractions;

namespace Tenancy.Cli.Tests;

/// <summary>Ctrl-C during migrate --all, and the live progress display on a real terminal (tmux).</summary>
public sealed class LongRunTests : IDisposable
{
    private const int Tenants = 30;
    private const int BulkRows = 100_000;
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public LongRunTests(ITestOutputHelper output) => _output = output;

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    /// <summary>Catalogues tenants at version 0 in-process (fast), and writes three steps, the second one slow.</summary>
    private async Task<string> ArrangeAsync(int tenants, int bulkRows)
    {
        await using (var configuration = TenantConfiguration.Build(b => b.UseSqlite(o => o.DataRoot = Root)))
        {
            for (int i = 0; i < tenants; i++)
            {
                await configuration.GetSqlite().Catalog.CreateAsync($"t{i:D2}");
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return SqlMigrations.Write(_folder["migrations"],
            ("0001_init.sql", "CREATE TABLE pages (id INTEGER PRIMARY KEY, slug TEXT NOT NULL);"),
            ("0002_bulk.sql", $"CREATE TABLE bulk AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {bulkRows}) SELECT i, randomblob(32) AS b FROM n;"),
            ("0003_marker.sql", "CREATE TABLE marker (done INTEGER); INSERT INTO marker VALUES (1);"));
    }

    private long Version(string tenant) => Db.Scalar(Path.Combine(Root, "tenants", tenant + ".db"), "PRAGMA user_version;");

    [Fact]
    public async Task Sigint_during_migrate_all_exits_130_and_leaves_every_tenant_at_a_recorded_version()
    {
        var migrations = await ArrangeAsync(Tenants, BulkRows);

        // Hold t01's write lock: the run finishes t00, then waits at t01's first step, so the interrupt always comes while
        // most tenants are still ahead (on a fast machine the whole run could otherwise end between two polls).
        using var holder = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(Root, "tenants", "t01.db"), Pooling = false }.ToString());
        holder.Open();
        using var hold = holder.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
        using var process = Process.Start(Tool.StartInfo(["--data-root", Root, "--migrations", migrations, "migrate", "--all", "--parallel", "1", "--json"]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // Interrupt once the first tenant is done (the run then still has most tenants ahead of it).
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited && Version("t00") < 3)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "the first tenant was never migrated");
            await Task.Delay(20);
        }

        Assert.False(process.HasExited, "migrate --all finished before it could be interrupted");
        // SIGINT, as Ctrl-C sends it; unless this test host ignores SIGINT (a background job of a non-interactive shell), which
        // the tool inherits and .NET keeps ignored: then SIGTERM, which the tool handles the same way.
        Assert.Equal(0, Kill(process.Id, IgnoresSigint() ? 15 : 2));
        await Task.Delay(500); // let the signal be handled while t01's step still waits for its lock
        hold.Rollback(); // release t01: its step finishes, and the run stops before the next one

        await process.WaitForExitAsync();
        _output.WriteLine(await stderr);
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("interrupted", await stderr);

        // The partial report is on stdout, and it matches the files.
        var report = JsonDocument.Parse(await stdout).RootElement;
        Assert.True(report.GetProperty("cancelled").GetBoolean());
        var reported = report.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("slug").GetString()!, t => t.GetProperty("toVersion").GetInt32());
        Assert.NotEmpty(reported);
        Assert.True(reported.Count < Tenants, "every tenant was migrated: the interrupt came too late to test anything");
        for (int i = 0; i < Tenants; i++)
        {
            var slug = $"t{i:D2}";
            var file = Path.Combine(Root, "tenants", slug + ".db");
            long version = Version(slug);
            Assert.InRange(version, 0, 3);
            bool hasBulk = Db.Scalar(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'bulk';") == 1;
            Assert.Equal(version >= 2, hasBulk);
            if (hasBulk)
            {
                Assert.Equal(BulkRows, Db.Scalar(file, "SELECT count(*) FROM bulk;")); // a step is all or nothing
            }

            Assert.Equal(version >= 3, Db.Scalar(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'marker';") == 1);
            if (reported.TryGetValue(slug, out int recorded))
            {
                Assert.Equal(recorded, version);
            }

            Assert.False(File.Exists(file + "-journal"), $"{slug} has a hot journal");
        }

        // A re-run resumes and finishes.
        var rerun = (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "migrate", "--all", "--json")).Expect(0).Json;
        Assert.Equal(Tenants, rerun.GetProperty("succeeded").GetInt32());
        Assert.All(Enumerable.Range(0, Tenants), i => Assert.Equal(3, Version($"t{i:D2}")));
    }

    internal static bool IgnoresSigint()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    [Fact]
    public async Task Migrate_all_on_a_terminal_shows_a_progress_bar_with_the_failure_count()
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "this test drives a real terminal through tmux (apt-get install tmux)");
        var migrations = await ArrangeAsync(12, 20_000);
        Db.Exec(Path.Combine(Root, "tenants", "t05.db"), "CREATE TABLE bulk (x);"); // one tenant fails step 2
        var command = string.Join(' ', new[] { Tool.Dotnet, Tool.DllPath, "--data-root", Root, "--migrations", migrations, "migrate", "--all", "--parallel", "1" }.Select(Quote))
            + "; echo EXIT=$?; sleep 60";

        var pane = await RunInTerminalAsync(command);

        _output.WriteLine("The terminal after `tenantctl migrate --all` (tmux capture-pane):");
        _output.WriteLine(pane);
        Assert.Contains("EXIT=3", pane);
        Assert.Contains("migrate 12/12", pane);
        Assert.Contains("1 failed", pane);
        Assert.Contains("100%", pane);
        Assert.Contains("━", pane); // the bar itself
        Assert.Contains("FAILED t05", pane);
    }

    /// <summary>Runs a shell command in a 110×30 tmux terminal until it prints EXIT=, and returns the pane's text.</summary>
    internal static async Task<string> RunInTerminalAsync(string command)
    {
        var socket = "tenantctl-test-" + Guid.NewGuid().ToString("N")[..8];
        var session = "progress";
        try
        {
            await Tmux(socket, "new-session", "-d", "-s", session, "-x", "110", "-y", "30", command);
            string pane = "";
            var deadline = Stopwatch.StartNew();
            while (!pane.Contains("EXIT=", StringComparison.Ordinal))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"tenantctl did not finish in the terminal. Pane:\n{pane}");
                await Task.Delay(200);
                pane = await Tmux(socket, "capture-pane", "-p", "-J", "-t", session); // -J: wrapped lines joined
            }

            return pane;
        }
        finally
        {
            await Tmux(socket, "kill-server");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static extern int Kill(int pid, int signal);

    internal static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task<string> Tmux(string socket, params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(socket);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("TENANTCTL_DATA_ROOT");
        info.Environment["TERM"] = "xterm-256color";
        info.Environment["LANG"] = "C.UTF-8";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
