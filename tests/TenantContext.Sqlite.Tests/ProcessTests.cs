using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Real OS processes: two racing to create a tenant, and children killed with SIGKILL in the middle of work.</summary>
public sealed class ProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SqliteTenantDatabases Router() => new(Db.Options(_folder.Path, o => ChildSchemas.Standard(o)));

    private static void AssertHealthyAtLatest(SqliteTenantDatabases router, string slug)
    {
        var path = router.GetDatabasePath(slug);
        Assert.Equal("ok", Db.FileScalar(path, "PRAGMA integrity_check;"));
        Assert.Equal(3L, Db.FileLong(path, "PRAGMA user_version;"));
        Assert.Equal(3L, Db.FileLong(path, "SELECT count(*) FROM applied;")); // each step exactly once
        Assert.Equal(ChildSchemas.BackfillRows, Db.FileLong(path, "SELECT count(*) FROM notes;"));
    }

    [Fact]
    public async Task Two_processes_racing_to_create_one_tenant_create_it_once_and_apply_each_step_once()
    {
        using var first = ChildProcess.Start("create", _folder.Path, "race", "150");
        using var second = ChildProcess.Start("create", _folder.Path, "race", "150");
        var a = await first.WaitAsync(Timeout);
        var b = await second.WaitAsync(Timeout);
        Assert.True(a.ExitCode == 0, a.Error);
        Assert.True(b.ExitCode == 0, b.Error);
        Assert.Contains("done 3", a.Output);
        Assert.Contains("done 3", b.Output);
        using var router = Router();
        AssertHealthyAtLatest(router, "race");
    }

    [Fact]
    public async Task A_creation_killed_in_the_middle_of_a_step_is_completed_by_the_next_open()
    {
        using (var child = ChildProcess.Start("create-stall", _folder.Path, "victim"))
        {
            await child.WaitForLineAsync(l => l == "in-step", Timeout);
            child.KillHard();
        }

        using var router = Router();
        // A new file is built off to the side and published whole: the tenant's path never holds a half-built database.
        Assert.False(File.Exists(router.GetDatabasePath("victim")));
        router.OpenConnection("victim").Dispose();
        AssertHealthyAtLatest(router, "victim");
    }

    [Fact]
    public async Task A_MigrateAll_killed_midway_is_completed_by_a_rerun()
    {
        var slugs = Enumerable.Range(0, 12).Select(i => $"t{i:00}").ToArray();
        using (var v1 = new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.Migrations.Add(1, "init", ChildSchemas.InitSql))))
        {
            foreach (var slug in slugs)
            {
                await v1.Catalog.CreateAsync(slug);
            }
        }

        using (var child = ChildProcess.Start("migrate-all", _folder.Path, "40"))
        {
            await child.WaitForLineAsync(l => l == "progress 4", Timeout);
            child.KillHard();
        }

        using var router = Router();
        var report = await router.Catalog.MigrateAllAsync(parallelism: 2);
        Assert.Equal(slugs.Length, report.Succeeded);
        Assert.Contains(report.Results, r => r.FromVersion == 3); // done by the killed child, not repeated
        Assert.Contains(report.Results, r => r.FromVersion == 1);
        foreach (var slug in slugs)
        {
            AssertHealthyAtLatest(router, slug);
        }
    }

    [Fact]
    public async Task A_split_killed_midway_is_completed_by_a_rerun_without_half_files()
    {
        var source = _folder.Combine("shared.db");
        var tenants = SplitTests.CreateSharedDatabase(source, tenantCount: 30, notesPerTenant: 400);
        var before = Db.Hash(source);
        var data = _folder.Combine("data");
        using (var child = ChildProcess.Start("split", data, source, "notes,tags"))
        {
            await child.WaitForLineAsync(l => l == "progress 5", Timeout);
            child.KillHard();
        }

        using var router = new SqliteTenantDatabases(Db.Options(data));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags"]);
        Assert.True(report.Succeeded, string.Join("; ", report.Tenants.Select(t => t.Error)));
        Assert.Contains(report.Tenants, t => t.Outcome == TenantSplitOutcome.AlreadyPresent);
        Assert.Contains(report.Tenants, t => t.Outcome == TenantSplitOutcome.Created);
        foreach (var (slug, notes) in tenants)
        {
            var path = router.GetDatabasePath(slug);
            Assert.Equal("ok", Db.FileScalar(path, "PRAGMA integrity_check;"));
            Assert.Equal(notes, Db.FileLong(path, "SELECT count(*) FROM notes;"));
            Assert.Equal(0L, Db.FileLong(path, $"SELECT count(*) FROM notes WHERE tenant_id <> '{slug}';"));
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(router.GetDatabasePath("x"))!, "*.split-tmp*"));
        Assert.Equal(tenants.Count, (await router.Catalog.ListAsync()).Count);
        Assert.Equal(before, Db.Hash(source));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_read_only_data_folder_gives_an_error_naming_the_tenant_and_the_permissions()
    {
        var data = _folder.Combine("readonly");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(_folder.Path, File.GetUnixFileMode(_folder.Path) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        try
        {
            // Root ignores permission bits, so under root the attempt runs in a child process as the unprivileged user 65534,
            // from a world-readable copy of the test output (the build tree may sit under a folder only root can enter).
            string[]? prefix = null;
            var dll = ChildProcess.DllPath;
            if (Environment.UserName == "root")
            {
                prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
                var copy = _folder.Combine("child");
                CopyWorldReadable(AppContext.BaseDirectory, copy);
                dll = Path.Combine(copy, Path.GetFileName(ChildProcess.DllPath));
            }

            using var child = ChildProcess.StartWith(prefix, dll, "create", data, "acme", "0");
            var result = await child.WaitAsync(Timeout);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("TenantDatabaseException", result.Error);
            Assert.Contains("'acme' cannot be created or written", result.Error);
            Assert.Contains("permissions", result.Error);
            Assert.False(File.Exists(Path.Combine(data, "tenants", "acme.db")));
        }
        finally
        {
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CopyWorldReadable(string from, string to)
    {
        var directoryMode = (UnixFileMode)0b111_101_101; // 755
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, directoryMode);
        foreach (var file in Directory.GetFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100); // 644
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyWorldReadable(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>
    /// A creation from a template, killed (SIGKILL) at each of its steps: the intent recorded, the new file flushed, published,
    /// its folder flushed, the record written. Before the record there is no tenant (not listed, not enterable) and the next
    /// CreateAsync of the name takes the dead creation over; after it, the tenant is whole. Never a file without its record.
    /// </summary>
    [Theory]
    [InlineData("creation-recorded")]
    [InlineData("fsync-file")]
    [InlineData("publish")]
    [InlineData("fsync-directory")]
    [InlineData("catalogued")]
    public async Task A_creation_from_a_template_killed_at_any_step_leaves_no_tenant_or_a_whole_one(string step)
    {
        using (var router = CatalogRouter())
        {
            await router.Catalog.CreateAsync("template");
            using var connection = router.OpenConnection("template");
            Db.Exec(connection, "INSERT INTO notes (body) VALUES ('from the template');");
        }

        using (var child = ChildProcess.Start("create-template-stall", _folder.Path, "acme", "template", step))
        {
            await child.WaitForLineAsync(l => l == "stalled " + step, Timeout);
            child.KillHard();
        }

        using (var router = CatalogRouter())
        {
            if (step == "catalogued")
            {
                await AssertWholeCopyAsync(router);
                return;
            }

            Assert.Null(await router.Catalog.GetAsync("acme"));
            Assert.DoesNotContain(await router.Catalog.ListAsync(), r => r.Slug == "acme");
            var refused = Assert.Throws<TenantUnavailableException>(() => router.OpenConnection("acme").Dispose());
            Assert.Equal(TenantUnavailableReason.NotFound, refused.Reason);

            await router.Catalog.CreateAsync("acme", fromTemplate: "template");
            await AssertWholeCopyAsync(router);
        }
    }

    private SqliteTenantDatabases CatalogRouter() => new(Db.Options(_folder.Path, o =>
    {
        ChildSchemas.Standard(o);
        o.CreateAnyTenantOnFirstUse = false;
        o.UseCatalog = true;
    }));

    private static async Task AssertWholeCopyAsync(SqliteTenantDatabases router)
    {
        var record = await router.Catalog.GetAsync("acme");
        Assert.NotNull(record);
        Assert.Equal("template", record.Template);
        var path = router.GetDatabasePath("acme");
        Assert.Equal("ok", Db.FileScalar(path, "PRAGMA integrity_check;"));
        Assert.Equal(3L, Db.FileLong(path, "PRAGMA user_version;"));
        Assert.Equal(1L, Db.FileLong(path, "SELECT count(*) FROM notes WHERE body = 'from the template';"));
        using var connection = router.OpenConnection("acme");
        Assert.Equal(ChildSchemas.BackfillRows + 1L, Db.Long(connection, "SELECT count(*) FROM notes;"));
    }
}
