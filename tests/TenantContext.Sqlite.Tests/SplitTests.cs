using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite.Tests;

public sealed class SplitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A shared (row-level) database: notes and tags with a tenant_id column, an index, user_version 4.</summary>
    internal static Dictionary<string, long> CreateSharedDatabase(string path, int tenantCount, int notesPerTenant)
    {
        var counts = new Dictionary<string, long>();
        using var connection = Db.OpenFile(path, SqliteOpenMode.ReadWriteCreate);
        Db.Exec(connection,
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, tenant_id TEXT, body TEXT NOT NULL, score REAL, blob BLOB); " +
            "CREATE INDEX notes_tenant ON notes (tenant_id, id); " +
            "CREATE TABLE tags (tenant_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (tenant_id, name)); " +
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT); INSERT INTO settings VALUES ('shared', 'yes'); " +
            "PRAGMA user_version = 4;");
        using var transaction = connection.BeginTransaction();
        for (int t = 0; t < tenantCount; t++)
        {
            var slug = $"site-{t:000}";
            long notes = notesPerTenant + t % 3;
            counts[slug] = notes;
            for (int n = 0; n < notes; n++)
            {
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO notes (tenant_id, body, score, blob) VALUES ($t, $b, $s, $blob);";
                insert.Parameters.AddWithValue("$t", slug);
                insert.Parameters.AddWithValue("$b", $"note {n} of {slug}");
                insert.Parameters.AddWithValue("$s", n * 0.5);
                insert.Parameters.AddWithValue("$blob", new byte[] { (byte)t, (byte)n });
                insert.ExecuteNonQuery();
            }

            using var tag = connection.CreateCommand();
            tag.Transaction = transaction;
            tag.CommandText = "INSERT INTO tags VALUES ($t, 'a'), ($t, 'b');";
            tag.Parameters.AddWithValue("$t", slug);
            tag.ExecuteNonQuery();
        }

        transaction.Commit();
        return counts;
    }

    [Fact]
    public async Task Split_creates_one_verified_file_per_tenant_with_its_rows_schema_and_version()
    {
        var source = _folder.Combine("shared.db");
        var tenants = CreateSharedDatabase(source, tenantCount: 4, notesPerTenant: 20);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags"]);
        Assert.True(report.Succeeded);
        Assert.Equal(4, report.SourceVersion);
        Assert.All(report.Tenants, t => Assert.Equal(TenantSplitOutcome.Created, t.Outcome));
        foreach (var (slug, notes) in tenants)
        {
            var path = router.GetDatabasePath(slug);
            Assert.Equal(notes, Db.FileLong(path, "SELECT count(*) FROM notes;"));
            Assert.Equal(2L, Db.FileLong(path, "SELECT count(*) FROM tags;"));
            Assert.Equal(0L, Db.FileLong(path, $"SELECT count(*) FROM notes WHERE tenant_id <> '{slug}';"));
            Assert.Equal(4L, Db.FileLong(path, "PRAGMA user_version;"));
            Assert.Equal(1L, Db.FileLong(path, "SELECT count(*) FROM sqlite_master WHERE name = 'notes_tenant';"));
            Assert.Equal(0L, Db.FileLong(path, "SELECT count(*) FROM sqlite_master WHERE name = 'settings';"));
            Assert.Equal("wal", Db.FileScalar(path, "PRAGMA journal_mode;"));
            Assert.Equal(notes, report.Tenants.Single(t => t.Slug == slug).RowCounts["notes"]);
        }

        Assert.Equal(tenants.Keys.Order(), (await router.Catalog.ListAsync()).Select(r => r.Slug));
    }

    [Fact]
    public async Task Split_never_modifies_the_source()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 3, notesPerTenant: 10);
        var before = Db.Hash(source);
        var stamp = File.GetLastWriteTimeUtc(source);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags"]);
        Assert.Equal(before, Db.Hash(source));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(source));
    }

    [Fact]
    public async Task A_dry_run_reports_the_tenants_and_row_counts_and_creates_nothing()
    {
        var source = _folder.Combine("shared.db");
        var tenants = CreateSharedDatabase(source, tenantCount: 3, notesPerTenant: 5);
        var data = _folder.Combine("data");
        using var router = new SqliteTenantDatabases(Db.Options(data));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"], dryRun: true);
        Assert.True(report.DryRun);
        Assert.Equal(tenants.Keys.Order(), report.Tenants.Select(t => t.Slug));
        Assert.All(report.Tenants, t => Assert.Equal(TenantSplitOutcome.WouldCreate, t.Outcome));
        Assert.Equal(tenants["site-001"], report.Tenants.Single(t => t.Slug == "site-001").RowCounts["notes"]);
        Assert.False(Directory.Exists(Path.Combine(data, "tenants")));
    }

    [Fact]
    public async Task Tenant_values_that_are_not_slugs_and_rows_without_tenant_are_reported_and_not_copied()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 3);
        using (var connection = Db.OpenFile(source))
        {
            Db.Exec(connection, "INSERT INTO notes (tenant_id, body) VALUES ('../etc', 'x'), (NULL, 'y'), (NULL, 'z');");
        }

        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"]);
        Assert.False(report.Succeeded);
        Assert.Equal(["../etc"], report.InvalidTenantValues);
        Assert.Equal(2L, report.RowsWithoutTenant);
        Assert.Equal(2, report.Tenants.Count);
    }

    [Fact]
    public async Task A_table_missing_from_the_source_is_refused_before_anything_is_created()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 3);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "nope"]));
        Assert.Contains("no table \"nope\"", error.Message);
        var column = await Assert.ThrowsAsync<ArgumentException>(() => router.Catalog.SplitSharedDatabaseAsync(source, "site", ["notes"]));
        Assert.Contains("no column \"site\"", column.Message);
    }

    [Fact]
    public async Task An_existing_file_with_different_data_is_reported_and_left_as_it_is()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 3);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"]);
        var path = router.GetDatabasePath("site-000");
        using (var connection = Db.OpenFile(path))
        {
            Db.Exec(connection, "DELETE FROM notes WHERE id IN (SELECT id FROM notes LIMIT 1);");
        }

        var before = Db.Hash(path);
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"]);
        var failed = report.Tenants.Single(t => t.Slug == "site-000");
        Assert.Equal(TenantSplitOutcome.Failed, failed.Outcome);
        Assert.Contains("move it aside", failed.Error);
        Assert.Equal(TenantSplitOutcome.AlreadyPresent, report.Tenants.Single(t => t.Slug == "site-001").Outcome);
        Assert.Equal(before, Db.Hash(path));
    }

    [Fact]
    public async Task Triggers_of_the_source_do_not_fire_during_the_copy_and_exist_in_the_tenant_file_afterwards()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 4);
        using (var connection = Db.OpenFile(source))
        {
            Db.Exec(connection,
                "CREATE TABLE audit (tenant_id TEXT, what TEXT); " +
                "CREATE TRIGGER notes_touch AFTER INSERT ON notes BEGIN UPDATE notes SET body = 'rewritten' WHERE id = new.id; " +
                "INSERT INTO audit VALUES (new.tenant_id, 'insert'); END;");
        }

        var before = Db.Hash(source);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags", "audit"]);
        Assert.True(report.Succeeded, string.Join("; ", report.Tenants.Select(t => t.Error)));
        var path = router.GetDatabasePath("site-000");
        Assert.Equal(0L, Db.FileLong(path, "SELECT count(*) FROM notes WHERE body = 'rewritten';"));
        Assert.Equal(0L, Db.FileLong(path, "SELECT count(*) FROM audit;"));
        Assert.Equal(1L, Db.FileLong(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'notes_touch';"));
        Assert.Equal(before, Db.Hash(source));
    }

    [Fact]
    public async Task An_existing_file_with_the_same_row_counts_but_other_rows_fails_the_ordered_hash()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 2, notesPerTenant: 3);
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Combine("data")));
        await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"]);
        var path = router.GetDatabasePath("site-000");
        using (var connection = Db.OpenFile(path))
        {
            Db.Exec(connection, "UPDATE notes SET body = 'changed' WHERE id IN (SELECT id FROM notes LIMIT 1);");
        }

        var report = await router.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes"]);
        var failed = report.Tenants.Single(t => t.Slug == "site-000");
        Assert.Equal(TenantSplitOutcome.Failed, failed.Outcome);
        Assert.Contains("ordered hash", failed.Error);
        Assert.Equal(TenantSplitOutcome.AlreadyPresent, report.Tenants.Single(t => t.Slug == "site-001").Outcome);
    }

    [Fact]
    public async Task Split_files_open_through_the_router_and_continue_with_later_migrations()
    {
        var source = _folder.Combine("shared.db");
        CreateSharedDatabase(source, tenantCount: 1, notesPerTenant: 3);
        var data = _folder.Combine("data");
        using (var splitter = new SqliteTenantDatabases(Db.Options(data)))
        {
            await splitter.Catalog.SplitSharedDatabaseAsync(source, "tenant_id", ["notes", "tags"]);
        }

        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = data;
            o.UseCatalog = true;
            o.Migrations.Add(4, "shared schema", "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);");
            o.Migrations.Add(5, "pinned", "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;");
        }));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("site-000"))
        using (var connection = (SqliteConnection)TenantContext.GetDb().OpenConnection())
        {
            Assert.Equal(5L, Db.Long(connection, "PRAGMA user_version;"));
            Assert.Equal(0L, Db.Long(connection, "SELECT sum(pinned) FROM notes;"));
        }
    }
}
