using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Issue 14 item 1: a deleted tenant leaves nothing a later tenant of the same name could inherit.</summary>
public sealed class DeleteAndCreateTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SqliteTenantDatabases Router() => new(new SqliteTenantOptions { DataRoot = _folder.Path, UseCatalog = true, StoragePathTemplate = "files/{tenant}" }
        .Also(o => ChildSchemas.Standard(o)));

    private static void WriteLeftover(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = Db.OpenFile(path, SqliteOpenMode.ReadWriteCreate);
        Db.Exec(connection, $"PRAGMA journal_mode = WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('{body}');");
    }

    [Fact]
    public async Task Create_never_adopts_an_uncatalogued_database_and_says_how_to_import_or_remove_it()
    {
        using var router = Router();
        var path = router.GetDatabasePath("acme");
        WriteLeftover(path, "old wiki");
        var before = Db.Hash(path);

        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => router.Catalog.CreateAsync("acme"));
        Assert.Contains("ImportAsync(\"acme\")", error.Message);
        Assert.Contains("DeleteAsync(\"acme\")", error.Message);
        Assert.Null(await router.Catalog.GetAsync("acme"));
        Assert.Equal(before, Db.Hash(path));
    }

    [Fact]
    public async Task Create_refuses_a_leftover_wal_that_would_be_replayed_into_the_new_file()
    {
        using var router = Router();
        var path = router.GetDatabasePath("acme");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path + "-wal", new byte[4096]);
        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => router.Catalog.CreateAsync("acme"));
        Assert.Contains("-wal", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Create_refuses_a_leftover_storage_folder()
    {
        using var router = Router();
        var storage = router.GetStoragePath("acme")!;
        Directory.CreateDirectory(storage);
        File.WriteAllText(Path.Combine(storage, "page.md"), "the old wiki's page");
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => router.Catalog.CreateAsync("acme"));
        Assert.True(File.Exists(Path.Combine(storage, "page.md")));
    }

    [Fact]
    public async Task Import_adopts_an_existing_file_on_request_and_migrates_it()
    {
        using var router = Router();
        var path = router.GetDatabasePath("acme");
        using (var v1 = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, CreateAnyTenantOnFirstUse = true }.Also(o => o.Migrations.Add(1, "init", ChildSchemas.InitSql))))
        {
            v1.OpenConnection("acme").Dispose();
        }

        var record = await router.Catalog.ImportAsync("acme");
        Assert.Equal(TenantState.Active, record.State);
        Assert.Equal(3L, Db.FileLong(path, "PRAGMA user_version;"));
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => router.Catalog.ImportAsync("acme"));
        await Assert.ThrowsAsync<TenantUnavailableException>(() => router.Catalog.ImportAsync("ghost"));
    }

    /// <summary>A file of version 1 under <paramref name="slug"/>'s name and a <c>creations</c> row naming (pid, process start).</summary>
    private async Task<string> FileWithCreationRow(SqliteTenantDatabases router, string slug, long pid, long processStarted)
    {
        var path = router.GetDatabasePath(slug);
        using (var v1 = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, CreateAnyTenantOnFirstUse = true }.Also(o => o.Migrations.Add(1, "init", ChildSchemas.InitSql))))
        {
            v1.OpenConnection(slug).Dispose();
        }

        await router.Catalog.ListAsync(); // the catalog's tables
        using var catalog = Db.OpenFile(router.CatalogPath);
        Db.Exec(catalog, $"INSERT INTO creations (slug, pid, process_started, started_at) VALUES ('{slug}', {pid}, {processStarted}, '2026-01-01T00:00:00Z');");
        return path;
    }

    [Fact]
    public async Task Import_refuses_a_tenant_that_a_running_process_is_creating_and_leaves_its_file_alone()
    {
        using var router = Router();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var path = await FileWithCreationRow(router, "acme", Environment.ProcessId, self.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond);
        SqliteConnection.ClearAllPools();
        var before = Db.Hash(path);

        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => router.Catalog.ImportAsync("acme"));
        Assert.Contains("being created", error.Message);
        Assert.Null(await router.Catalog.GetAsync("acme"));
        Assert.Equal(before, Db.Hash(path)); // not migrated either
    }

    [Fact]
    public async Task Import_adopts_the_file_of_a_creation_whose_process_ended_and_clears_that_creation()
    {
        using var router = Router();
        var path = await FileWithCreationRow(router, "acme", Environment.ProcessId, processStarted: 1); // this pid, another start: an ended process

        var record = await router.Catalog.ImportAsync("acme");
        Assert.Equal(TenantState.Active, record.State);
        Assert.Equal(3L, Db.FileLong(path, "PRAGMA user_version;"));
        Assert.Equal(0L, Db.FileLong(router.CatalogPath, "SELECT count(*) FROM creations;"));
        router.OpenConnection("acme").Dispose(); // catalogued and active, not "being created"
    }

    [Fact]
    public async Task A_delete_killed_midway_leaves_a_tombstone_that_blocks_the_name_until_a_rerun_finishes_it()
    {
        string path;
        using (var router = Router())
        {
            await router.Catalog.CreateAsync("acme");
            path = router.GetDatabasePath("acme");
            using (var connection = router.OpenConnection("acme"))
            {
                Db.Exec(connection, "INSERT INTO notes (body) VALUES ('secret of the old acme');");
            }

            Directory.CreateDirectory(router.GetStoragePath("acme")!);
        }

        SqliteConnection.ClearAllPools();
        Assert.True(File.Exists(path + "-wal") || File.Exists(path));
        using (var child = ChildProcess.Start("delete-stall", _folder.Path, "acme"))
        {
            await child.WaitForLineAsync(l => l == "deleting-database", Timeout);
            child.KillHard();
        }

        using var again = Router();
        Assert.False(File.Exists(path + "-wal")); // the log goes before the database
        Assert.False(File.Exists(path + "-journal"));
        Assert.True(File.Exists(path));
        Assert.Null(await again.Catalog.GetAsync("acme"));
        Assert.Empty(await again.Catalog.ListAsync());
        var refused = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => again.Catalog.CreateAsync("acme"));
        Assert.Contains("still being deleted", refused.Message);
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => again.Catalog.ImportAsync("acme"));
        Assert.Throws<TenantUnavailableException>(() => again.OpenConnection("acme"));

        Assert.True(await again.Catalog.DeleteAsync("acme"));
        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(again.GetStoragePath("acme")));
        await again.Catalog.CreateAsync("acme");
        using var fresh = again.OpenConnection("acme");
        Assert.Equal(0L, Db.Long(fresh, "SELECT count(*) FROM notes WHERE body LIKE 'secret%';"));
    }
}

internal static class OptionsExtensions
{
    public static SqliteTenantOptions Also(this SqliteTenantOptions options, Action<SqliteTenantOptions> configure)
    {
        configure(options);
        return options;
    }
}
