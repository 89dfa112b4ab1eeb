using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>
/// Issue 14 item 9. A power loss keeps only what was flushed: a file's content needs an fsync of the file, and its name
/// (a link, a rename, a new folder) an fsync of the folder that holds it. The steps are observed through the package's
/// file-system seam (<see cref="DurableSteps"/>), in order.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public DurabilityTests() => DurableSteps.Install();

    public void Dispose() => _folder.Dispose();

    private static int IndexOf(List<(string Step, string Path)> steps, string step, string path)
        => steps.FindIndex(s => s.Step == step && s.Path == path);

    [Fact]
    public async Task A_new_tenant_file_is_fsynced_then_published_then_its_folders_are_fsynced_before_the_record_is_written()
    {
        using var router = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, UseCatalog = true, PathTemplate = "wikis/{tenant}/wiki.db" }
            .Also(o => ChildSchemas.Standard(o)));
        await router.Catalog.CreateAsync("template");
        await router.Catalog.CreateAsync("acme", fromTemplate: "template");

        var steps = DurableSteps.Under(_folder.Path);
        var path = router.GetDatabasePath("acme");
        var folder = Path.GetDirectoryName(path)!;
        int file = steps.FindIndex(s => s.Step == "fsync-file" && s.Path.StartsWith(path + ".tmp-", StringComparison.Ordinal));
        int publish = IndexOf(steps, "publish", path);
        int directory = steps.FindLastIndex(s => s.Step == "fsync-directory" && s.Path == folder);
        int recorded = IndexOf(steps, "creation-recorded", path);
        int catalogued = IndexOf(steps, "catalogued", path);
        Assert.True(recorded >= 0 && recorded < file && file < publish && publish < directory && directory < catalogued, string.Join("\n", steps));
        Assert.Contains(steps, s => s.Step == "fsync-directory" && s.Path == Path.GetDirectoryName(folder)); // wikis/ gained wikis/acme
    }

    [Fact]
    public async Task A_backup_is_fsynced_and_its_folder_fsynced_after_the_rename()
    {
        using var router = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, UseCatalog = true }.Also(o => ChildSchemas.Standard(o)));
        await router.Catalog.CreateAsync("acme");
        var destination = _folder.Combine("backups", "acme.db");
        await router.Catalog.BackupAsync("acme", destination);

        var steps = DurableSteps.Under(_folder.Combine("backups"));
        int file = steps.FindIndex(s => s.Step == "fsync-file" && s.Path.StartsWith(destination + ".tmp-", StringComparison.Ordinal));
        int directory = steps.FindLastIndex(s => s.Step == "fsync-directory" && s.Path == Path.GetDirectoryName(destination));
        Assert.True(file >= 0 && file < directory, string.Join("\n", steps));
        Assert.Equal(3L, Db.FileLong(destination, "PRAGMA user_version;"));
    }

    [Fact]
    public async Task A_split_file_is_fsynced_published_and_its_folder_fsynced()
    {
        var source = _folder.Combine("shared.db");
        SplitTests.CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 5);
        var data = _folder.Combine("data");
        using var router = new SqliteTenantDatabases(Db.Options(data));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags"]);
        Assert.True(report.Succeeded);

        var steps = DurableSteps.Under(data);
        foreach (var tenant in report.Tenants)
        {
            int file = IndexOf(steps, "fsync-file", tenant.Path + ".split-tmp");
            int publish = IndexOf(steps, "publish", tenant.Path);
            int directory = steps.FindIndex(publish, s => s.Step == "fsync-directory" && s.Path == Path.GetDirectoryName(tenant.Path));
            Assert.True(file >= 0 && file < publish && publish < directory, string.Join("\n", steps));
        }
    }

    [Fact]
    public async Task A_catalogued_tenant_whose_file_was_lost_is_an_error_and_never_a_new_empty_database()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.UseCatalog = true;
            ChildSchemas.Standard(o);
        }));
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        var path = router.GetDatabasePath("acme");
        SqliteConnection.ClearAllPools();
        File.Delete(path); // what a power loss before the folder's fsync would have done

        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantDatabaseMissingException>(() => TenantContext.GetDb().OpenConnection());
            Assert.Contains("restore", error.Message, StringComparison.OrdinalIgnoreCase);
        }

        var report = await router.Catalog.MigrateAllAsync();
        Assert.IsType<TenantDatabaseMissingException>(Assert.Single(report.Results).Error);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_warm_tenant_whose_file_disappears_is_an_error_and_is_not_recreated()
    {
        using var router = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, UseCatalog = true }.Also(o => ChildSchemas.Standard(o)));
        await router.Catalog.CreateAsync("acme");
        router.OpenConnection("acme").Dispose();
        router.Release("acme");
        var path = router.GetDatabasePath("acme");
        foreach (var file in new[] { path + "-wal", path + "-shm", path })
        {
            File.Delete(file);
        }

        Assert.Throws<TenantDatabaseMissingException>(() => router.OpenConnection("acme"));
        Assert.False(File.Exists(path));
    }
}
