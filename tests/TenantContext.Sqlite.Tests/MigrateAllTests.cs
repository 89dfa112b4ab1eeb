using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

public sealed class MigrateAllTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<string[]> CreateAtVersionOne(int count)
    {
        var slugs = Enumerable.Range(0, count).Select(i => $"t{i:00}").ToArray();
        using var v1 = new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.Migrations.Add(1, "init", ChildSchemas.InitSql)));
        foreach (var slug in slugs)
        {
            await v1.Catalog.CreateAsync(slug);
        }

        return slugs;
    }

    private SqliteTenantDatabases Latest() => new(Db.Options(_folder.Path, o => ChildSchemas.Standard(o)));

    [Fact]
    public async Task MigrateAll_brings_every_catalogued_tenant_to_the_latest_version_with_a_report_per_tenant()
    {
        var slugs = await CreateAtVersionOne(6);
        using var router = Latest();
        await router.Catalog.ArchiveAsync("t05"); // archived tenants are migrated too
        var seen = new List<TenantMigrationProgress>();
        var report = await router.Catalog.MigrateAllAsync(parallelism: 2, progress: new SyncProgress(seen));
        Assert.Equal(slugs, report.Results.Select(r => r.Slug));
        Assert.All(report.Results, r =>
        {
            Assert.True(r.Succeeded);
            Assert.Equal(1, r.FromVersion);
            Assert.Equal(3, r.ToVersion);
            Assert.True(r.Duration > TimeSpan.Zero);
        });
        Assert.Equal(6, seen.Count);
        Assert.Equal(6, seen.Max(p => p.Completed));
        Assert.All(slugs, s => Assert.Equal(3L, Db.FileLong(router.GetDatabasePath(s), "PRAGMA user_version;")));
    }

    [Fact]
    public async Task A_dry_run_reports_from_and_to_versions_and_changes_nothing()
    {
        var slugs = await CreateAtVersionOne(3);
        using var router = Latest();
        var hashes = slugs.Select(s => Db.Hash(router.GetDatabasePath(s))).ToArray();
        var report = await router.Catalog.MigrateAllAsync(dryRun: true);
        Assert.True(report.DryRun);
        Assert.All(report.Results, r => Assert.Equal((1, 3), (r.FromVersion, r.ToVersion)));
        Assert.Equal(hashes, slugs.Select(s => Db.Hash(router.GetDatabasePath(s))));
    }

    [Fact]
    public async Task A_failing_tenant_is_reported_and_the_others_are_migrated()
    {
        var slugs = await CreateAtVersionOne(4);
        using (var broken = Db.OpenFile(Path.Combine(_folder.Path, "tenants", "t02.db")))
        {
            Db.Exec(broken, "DROP TABLE notes;"); // step 2 inserts into notes
        }

        using var router = Latest();
        var report = await router.Catalog.MigrateAllAsync(parallelism: 2);
        Assert.Equal(3, report.Succeeded);
        var failed = Assert.Single(report.Results, r => !r.Succeeded);
        Assert.Equal("t02", failed.Slug);
        Assert.Equal(1, failed.ToVersion);
        var error = Assert.IsType<TenantMigrationException>(failed.Error);
        Assert.Contains("no such table: notes", error.Message);
    }

    [Fact]
    public async Task A_rerun_after_completion_applies_nothing_again()
    {
        var slugs = await CreateAtVersionOne(3);
        using (var router = Latest())
        {
            await router.Catalog.MigrateAllAsync();
        }

        using var again = Latest();
        var report = await again.Catalog.MigrateAllAsync();
        Assert.All(report.Results, r => Assert.Equal((3, 3), (r.FromVersion, r.ToVersion)));
        Assert.All(slugs, s => Assert.Equal(3L, Db.FileLong(again.GetDatabasePath(s), "SELECT count(*) FROM applied;")));
    }

    private sealed class SyncProgress(List<TenantMigrationProgress> seen) : IProgress<TenantMigrationProgress>
    {
        public void Report(TenantMigrationProgress value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }
}
