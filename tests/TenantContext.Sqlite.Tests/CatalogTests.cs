using Microsoft.Data.Sqlite;
using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

public sealed class CatalogTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private TenantConfiguration Build(bool useCatalog = true) => TenantConfiguration.Build(b => b.UseSqlite(o =>
    {
        o.DataRoot = _folder.Path;
        o.UseCatalog = useCatalog;
        o.CreateAnyTenantOnFirstUse = !useCatalog;
        o.StoragePathTemplate = "files/{tenant}";
        ChildSchemas.Standard(o);
    }));

    private static long CountNotes()
    {
        using var connection = (SqliteConnection)TenantContext.GetDb().OpenConnection();
        return Db.Long(connection, "SELECT count(*) FROM notes;");
    }

    [Fact]
    public void With_the_catalog_an_unknown_tenant_is_refused_as_NotFound_with_what_to_do()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("ghost"));
            Assert.Equal(TenantUnavailableReason.NotFound, error.Reason);
            Assert.Contains("CreateAsync(\"ghost\")", error.Message);
        }

        Assert.False(File.Exists(configuration.GetSqlite().GetDatabasePath("ghost")));
    }

    [Fact]
    public void Without_the_catalog_any_valid_tenant_gets_a_file_on_first_use()
    {
        using var configuration = Build(useCatalog: false);
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("walk-in"))
        {
            Assert.Equal(ChildSchemas.BackfillRows, CountNotes());
        }
    }

    [Fact]
    public async Task A_created_tenant_can_be_entered_and_carries_its_record()
    {
        using var configuration = Build();
        var created = await configuration.GetSqlite().Catalog.CreateAsync("acme");
        Assert.Equal(TenantState.Active, created.State);
        Assert.Equal(3L, Db.FileLong(configuration.GetSqlite().GetDatabasePath("acme"), "PRAGMA user_version;"));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(created, TenantContext.Current.Record);
            Assert.Equal(ChildSchemas.BackfillRows, CountNotes());
        }
    }

    [Fact]
    public async Task Creating_a_catalogued_tenant_again_is_refused()
    {
        using var configuration = Build();
        await configuration.GetSqlite().Catalog.CreateAsync("acme");
        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => configuration.GetSqlite().Catalog.CreateAsync("acme"));
        Assert.Contains("already in the catalog", error.Message);
    }

    [Fact]
    public async Task An_archived_tenant_is_refused_as_Archived_and_restore_lets_it_in_again()
    {
        using var configuration = Build();
        var catalog = configuration.GetSqlite().Catalog;
        await catalog.CreateAsync("acme");
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run("acme", () => Assert.Equal(ChildSchemas.BackfillRows, CountNotes())); // cached now
            var archived = await catalog.ArchiveAsync("acme");
            Assert.Equal(TenantState.Archived, archived.State);
            Assert.NotNull(archived.ArchivedAt);
            var error = Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("acme"));
            Assert.Equal(TenantUnavailableReason.Archived, error.Reason);
            Assert.Contains("RestoreAsync(\"acme\")", error.Message);

            await catalog.RestoreAsync("acme");
            TenantContext.Run("acme", () => Assert.Equal(ChildSchemas.BackfillRows, CountNotes()));
        }
    }

    [Fact]
    public async Task Archiving_a_tenant_in_use_lets_open_connections_finish_and_refuses_new_ones()
    {
        using var configuration = Build();
        var catalog = configuration.GetSqlite().Catalog;
        await catalog.CreateAsync("acme");
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.GetDb();
            using var open = (SqliteConnection)db.OpenConnection();
            await catalog.ArchiveAsync("acme");
            Assert.Equal(ChildSchemas.BackfillRows, Db.Long(open, "SELECT count(*) FROM notes;"));
            var error = Assert.Throws<TenantUnavailableException>(() => db.OpenConnection());
            Assert.Equal(TenantUnavailableReason.Archived, error.Reason);
            Assert.Contains("archived", error.Message);
        }
    }

    [Fact]
    public async Task Archive_of_an_unknown_tenant_is_refused_as_NotFound()
    {
        using var configuration = Build();
        var error = await Assert.ThrowsAsync<TenantUnavailableException>(() => configuration.GetSqlite().Catalog.ArchiveAsync("ghost"));
        Assert.Equal(TenantUnavailableReason.NotFound, error.Reason);
    }

    [Fact]
    public async Task List_returns_tenants_in_slug_order_and_can_leave_archived_ones_out()
    {
        using var configuration = Build();
        var catalog = configuration.GetSqlite().Catalog;
        foreach (var slug in new[] { "charlie", "alpha", "bravo" })
        {
            await catalog.CreateAsync(slug);
        }

        await catalog.ArchiveAsync("bravo");
        Assert.Equal(["alpha", "bravo", "charlie"], (await catalog.ListAsync()).Select(r => r.Slug));
        Assert.Equal(["alpha", "charlie"], (await catalog.ListAsync(includeArchived: false)).Select(r => r.Slug));
    }

    [Fact]
    public async Task Create_from_a_template_copies_its_data_with_an_online_backup()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("template");
        using (var connection = router.OpenConnection("template"))
        {
            Db.Exec(connection, "INSERT INTO notes (body) VALUES ('seeded page');");
            var created = await router.Catalog.CreateAsync("copy", fromTemplate: "template"); // template still in use
            Assert.Equal("template", created.Template);
        }

        using var copy = router.OpenConnection("copy");
        Assert.Equal(1L, Db.Long(copy, "SELECT count(*) FROM notes WHERE body = 'seeded page';"));
        Assert.Equal(3L, Db.Long(copy, "SELECT count(*) FROM applied;"));
        Assert.Equal("wal", Db.Scalar(copy, "PRAGMA journal_mode;"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(router.GetDatabasePath("copy"))!, "*.tmp-*"));
    }

    [Fact]
    public async Task Create_from_a_template_makes_the_folder_of_a_nested_path_template()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.UseCatalog = true;
            o.PathTemplate = "wikis/{tenant}/wiki.db"; // a folder per tenant that does not exist before the copy
            ChildSchemas.Standard(o);
        }));
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("template");

        await router.Catalog.CreateAsync("copy", fromTemplate: "template");

        Assert.True(File.Exists(Path.Combine(_folder.Path, "wikis", "copy", "wiki.db")));
        using var copy = router.OpenConnection("copy");
        Assert.Equal(3L, Db.Long(copy, "SELECT count(*) FROM applied;"));
    }

    [Fact]
    public async Task Create_from_a_template_without_a_file_is_refused_as_NotFound()
    {
        using var configuration = Build();
        var error = await Assert.ThrowsAsync<TenantUnavailableException>(() => configuration.GetSqlite().Catalog.CreateAsync("copy", "missing"));
        Assert.Equal(TenantUnavailableReason.NotFound, error.Reason);
    }

    [Fact]
    public async Task Delete_removes_the_record_the_database_with_wal_and_shm_and_the_storage_folder()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        var path = router.GetDatabasePath("acme");
        var storage = router.GetStoragePath("acme")!;
        Directory.CreateDirectory(storage);
        File.WriteAllText(Path.Combine(storage, "page.md"), "# hi");
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal(ChildSchemas.BackfillRows, CountNotes());
            Assert.True(File.Exists(path + "-wal"));
        }

        Assert.True(await router.Catalog.DeleteAsync("acme"));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + "-wal"));
        Assert.False(File.Exists(path + "-shm"));
        Assert.False(Directory.Exists(storage));
        Assert.Null(await router.Catalog.GetAsync("acme"));
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Equal(TenantUnavailableReason.NotFound, Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("acme")).Reason);
        }

        Assert.False(await router.Catalog.DeleteAsync("acme"));
    }

    [Fact]
    public async Task A_deleted_tenant_can_be_created_again_empty()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "INSERT INTO notes (body) VALUES ('old');");
        }

        await router.Catalog.DeleteAsync("acme");
        await router.Catalog.CreateAsync("acme");
        using var fresh = router.OpenConnection("acme");
        Assert.Equal(0L, Db.Long(fresh, "SELECT count(*) FROM notes WHERE body = 'old';"));
    }

    [Fact]
    public async Task Backup_writes_a_consistent_copy_while_the_tenant_is_in_use()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        var destination = _folder.Combine("backups", "acme.db");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "INSERT INTO notes (body) VALUES ('in the wal');");
            await router.Catalog.BackupAsync("acme", destination);
        }

        Assert.Equal("ok", Db.FileScalar(destination, "PRAGMA integrity_check;"));
        Assert.Equal(ChildSchemas.BackfillRows + 1, Db.FileLong(destination, "SELECT count(*) FROM notes;"));
        Assert.Equal(3L, Db.FileLong(destination, "PRAGMA user_version;"));
    }

    [Fact]
    public async Task Check_reports_a_healthy_tenant_as_healthy()
    {
        using var configuration = Build();
        await configuration.GetSqlite().Catalog.CreateAsync("acme");
        var result = await configuration.GetSqlite().Catalog.CheckAsync("acme");
        Assert.True(result.IsHealthy);
    }

    [Fact]
    public async Task Check_reports_rows_whose_foreign_key_points_nowhere()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.CreateAnyTenantOnFirstUse = true;
            o.ForeignKeys = false;
            o.Migrations.Add(1, "init", "CREATE TABLE pages (id INTEGER PRIMARY KEY); CREATE TABLE links (id INTEGER PRIMARY KEY, page INTEGER REFERENCES pages(id));");
        }));
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "INSERT INTO links (page) VALUES (42);");
        }

        var result = await router.Catalog.CheckAsync("acme");
        Assert.False(result.IsHealthy);
        Assert.Empty(result.IntegrityErrors);
        Assert.Contains("links row 1 references a missing row in pages", Assert.Single(result.ForeignKeyViolations));
    }

    [Fact]
    public async Task Check_reports_a_file_that_is_not_a_database_as_an_integrity_error()
    {
        using var configuration = Build(useCatalog: false);
        var path = configuration.GetSqlite().GetDatabasePath("acme");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, new string('x', 200));
        var result = await configuration.GetSqlite().Catalog.CheckAsync("acme");
        Assert.False(result.IsHealthy);
        Assert.Contains("not a usable SQLite database", Assert.Single(result.IntegrityErrors));
    }

    [Fact]
    public async Task Vacuum_returns_free_pages_to_the_file_system()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        using (var connection = router.OpenConnection("acme"))
        {
            Db.Exec(connection, "CREATE TABLE big (x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO big SELECT randomblob(8000) FROM n;");
            Db.Exec(connection, "PRAGMA wal_checkpoint(TRUNCATE); DELETE FROM big; PRAGMA wal_checkpoint(TRUNCATE);");
        }

        var before = (await router.Catalog.StatsAsync("acme")).SizeBytes;
        var after = await router.Catalog.VacuumAsync("acme");
        Assert.True(after.SizeBytes < before / 4, $"{after.SizeBytes} bytes after vacuum, {before} before");
    }

    [Fact]
    public async Task Stats_report_size_version_and_last_write()
    {
        using var configuration = Build();
        var router = configuration.GetSqlite();
        var start = DateTimeOffset.UtcNow.AddSeconds(-2);
        await router.Catalog.CreateAsync("acme");
        var stats = await router.Catalog.StatsAsync("acme");
        Assert.Equal(3, stats.Version);
        Assert.True(stats.SizeBytes >= new FileInfo(router.GetDatabasePath("acme")).Length);
        Assert.InRange(stats.LastWrite, start, DateTimeOffset.UtcNow.AddSeconds(2));
    }

    [Fact]
    public async Task Stats_of_a_tenant_without_a_file_say_how_to_create_it()
    {
        using var configuration = Build();
        var error = await Assert.ThrowsAsync<TenantUnavailableException>(() => configuration.GetSqlite().Catalog.StatsAsync("ghost"));
        Assert.Contains("CreateAsync(\"ghost\")", error.Message);
    }
}
