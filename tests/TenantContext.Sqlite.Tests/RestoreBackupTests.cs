using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>
/// <see cref="TenantCatalog.RestoreBackupAsync"/>: a catalogued tenant's data put back from a backup file — over a lost file
/// (durably: stale logs first, aside, flushed, published, folder flushed), or over the live file only when asked; anything
/// else is refused with nothing changed.
/// </summary>
public sealed class RestoreBackupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public RestoreBackupTests() => DurableSteps.Install();

    public void Dispose() => _folder.Dispose();

    private SqliteTenantDatabases Router() => new(new SqliteTenantOptions { DataRoot = _folder.Combine("data"), UseCatalog = true }.Also(o => ChildSchemas.Standard(o)));

    /// <summary>acme, catalogued, with one note of its own, and its backup.</summary>
    private async Task<string> ArrangeAsync(SqliteTenantDatabases router)
    {
        await router.Catalog.CreateAsync("acme");
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "INSERT INTO notes (body) VALUES ('kept');");
        }

        var backup = _folder.Combine("backups", "acme.db");
        await router.Catalog.BackupAsync("acme", backup);
        return backup;
    }

    private static long Kept(SqliteTenantDatabases router)
    {
        using var connection = router.OpenConnection("acme");
        return Db.Long(connection, "SELECT count(*) FROM notes WHERE body = 'kept';");
    }

    [Fact]
    public async Task A_lost_file_is_put_back_durably_after_its_stale_log_is_removed_and_the_data_reads_back()
    {
        using var router = Router();
        var backup = await ArrangeAsync(router);
        var path = router.GetDatabasePath("acme");
        router.Release("acme");
        SqliteConnection.ClearAllPools();
        File.Delete(path);
        File.WriteAllBytes(path + "-wal", new byte[32]); // what the lost file left behind
        Assert.Throws<TenantDatabaseMissingException>(() => router.OpenConnection("acme").Dispose());

        var stats = await router.Catalog.RestoreBackupAsync("acme", backup);

        Assert.Equal((path, 3), (stats.Path, stats.Version));
        Assert.Equal(1, Kept(router));
        var steps = DurableSteps.Under(Path.GetDirectoryName(path)!);
        int log = steps.FindIndex(s => s.Step == "delete" && s.Path == path + "-wal");
        int file = steps.FindIndex(Math.Max(log, 0), s => s.Step == "fsync-file" && s.Path.StartsWith(path + ".tmp-", StringComparison.Ordinal)); // after the creation's own steps
        int publish = steps.FindIndex(Math.Max(file, 0), s => s.Step == "publish" && s.Path == path);
        int directory = steps.FindIndex(Math.Max(publish, 0), s => s.Step == "fsync-directory" && s.Path == Path.GetDirectoryName(path));
        Assert.True(log >= 0 && log < file && file < publish && publish < directory, string.Join("\n", steps));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp-*"));
    }

    [Fact]
    public async Task A_live_file_is_replaced_only_when_asked_and_then_holds_the_backups_data()
    {
        using var router = Router();
        var backup = await ArrangeAsync(router);
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "DELETE FROM notes;");
        }

        var refused = await Assert.ThrowsAsync<TenantDatabaseException>(() => router.Catalog.RestoreBackupAsync("acme", backup));
        Assert.Contains("replace", refused.Message);
        Assert.Equal(0, Kept(router));

        await router.Catalog.RestoreBackupAsync("acme", backup, replace: true);

        Assert.Equal(1, Kept(router));
    }

    [Fact]
    public async Task A_damaged_live_file_is_kept_aside_and_replaced_when_asked_and_then_holds_the_backups_data()
    {
        // What `tenantctl check` tells the operator to do with a damaged tenant: it failed with "file is not a database"
        // (the online backup cannot write into a file that is not a database).
        using var router = Router();
        var backup = await ArrangeAsync(router);
        var path = router.GetDatabasePath("acme");
        router.Release("acme");
        SqliteConnection.ClearAllPools();
        var damaged = System.Text.Encoding.ASCII.GetBytes("a torn write left this where the header was, and more bytes after it");
        File.WriteAllBytes(path, damaged);
        Assert.False((await router.Catalog.CheckAsync("acme")).IsHealthy);
        var corrupt = await Assert.ThrowsAsync<TenantDatabaseCorruptException>(() => router.Catalog.StatsAsync("acme"));
        Assert.Contains("RestoreBackupAsync(\"acme\", FILE, replace: true)", corrupt.Message);

        var refused = await Assert.ThrowsAsync<TenantDatabaseException>(() => router.Catalog.RestoreBackupAsync("acme", backup));
        Assert.Contains("replace", refused.Message);
        Assert.Equal(damaged, File.ReadAllBytes(path));

        var stats = await router.Catalog.RestoreBackupAsync("acme", backup, replace: true);

        Assert.Equal(3, stats.Version);
        Assert.Equal(1, Kept(router));
        var aside = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".damaged-*"));
        Assert.Equal(damaged, File.ReadAllBytes(aside)); // nothing lost: whatever can be recovered from it still can be
    }

    private List<string> Everything() => Directory.GetFileSystemEntries(_folder.Path, "*", SearchOption.AllDirectories).Order().ToList();

    [Fact]
    public async Task An_uncatalogued_tenant_is_refused_with_what_to_do_and_no_file_is_written()
    {
        using var router = Router();
        var backup = await ArrangeAsync(router);
        var before = Everything();

        var error = await Assert.ThrowsAsync<TenantUnavailableException>(() => router.Catalog.RestoreBackupAsync("ghost", backup, replace: true));

        Assert.Equal(TenantUnavailableReason.NotFound, error.Reason);
        Assert.Contains("not in the catalog", error.Message);
        Assert.Contains("CreateAsync(\"ghost\")", error.Message);
        Assert.Equal(before, Everything());
    }

    [Theory]
    [InlineData("../acme")]
    [InlineData("/etc/passwd")]
    public async Task A_hostile_tenant_name_is_refused_before_anything_is_read_or_written(string tenant)
    {
        using var router = Router();
        var backup = await ArrangeAsync(router);
        var before = Everything();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => router.Catalog.RestoreBackupAsync(tenant, backup, replace: true));

        Assert.Equal(before, Everything());
        Assert.Equal(1, Kept(router));
    }

    [Fact]
    public async Task A_backup_that_is_not_a_database_is_refused_and_the_tenant_keeps_its_data()
    {
        using var router = Router();
        await ArrangeAsync(router);
        var junk = _folder.Combine("junk.db");
        File.WriteAllText(junk, "not a database, only text long enough to fill what would be a header, and then some more");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => router.Catalog.RestoreBackupAsync("acme", junk, replace: true));

        Assert.Contains("nothing was restored", error.Message);
        Assert.Equal(1, Kept(router));
    }

    [Fact]
    public async Task A_backup_newer_than_the_migrations_is_refused_and_the_lost_file_stays_lost()
    {
        using var router = Router();
        var backup = await ArrangeAsync(router);
        using (var connection = Db.OpenFile(backup))
        {
            Db.Exec(connection, "PRAGMA user_version = 9;");
        }

        var path = router.GetDatabasePath("acme");
        router.Release("acme");
        SqliteConnection.ClearAllPools();
        File.Delete(path);

        var error = await Assert.ThrowsAsync<TenantDatabaseVersionException>(() => router.Catalog.RestoreBackupAsync("acme", backup));

        Assert.Equal((9, 3), (error.FileVersion, error.SupportedVersion));
        Assert.False(File.Exists(path));
    }
}
