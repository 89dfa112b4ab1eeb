using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>backup [T | --all] --to DIR and restore-backup T --from FILE.</summary>
public sealed class BackupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    private string Migrations => SqlMigrations.Standard(_folder["migrations"]);

    public void Dispose() => _folder.Dispose();

    private string File(string tenant) => Path.Combine(Root, "tenants", tenant + ".db");

    [Fact]
    public async Task Backup_all_writes_one_consistent_file_per_tenant()
    {
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "globex")).Expect(0);
        Db.Exec(File("acme"), "INSERT INTO pages (slug) VALUES ('home');");

        var report = (await Tool.RunAsync("--data-root", Root, "backup", "--all", "--to", _folder["backups"], "--json")).Expect(0).Json;

        Assert.Equal(2, report.Has("succeeded", JsonValueKind.Number).GetInt32());
        Assert.Equal(0, report.Has("failed", JsonValueKind.Number).GetInt32());
        Assert.Equal(["acme", "globex"], report.Has("tenants", JsonValueKind.Array).Slugs());
        Assert.All(report.GetProperty("tenants").EnumerateArray(), t => Assert.True(t.Has("sizeBytes", JsonValueKind.Number).GetInt64() > 0));
        Assert.Equal(1, Db.Scalar(Path.Combine(_folder["backups"], "acme.db"), "SELECT count(*) FROM pages;"));
        Assert.Equal("ok", Db.Scalar(Path.Combine(_folder["backups"], "globex.db"), "SELECT count(*) FROM pages;") == 0 ? "ok" : "rows");
    }

    [Fact]
    public async Task Restore_backup_over_an_existing_tenant_needs_yes_and_then_puts_the_old_data_back()
    {
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        Db.Exec(File("acme"), "INSERT INTO pages (slug) VALUES ('kept');");
        (await Tool.RunAsync("--data-root", Root, "backup", "acme", "--to", _folder["backups"])).Expect(0);
        Db.Exec(File("acme"), "DELETE FROM pages; INSERT INTO pages (slug) VALUES ('mistake');");
        var before = Db.Snapshot(Root);

        var refused = (await Tool.RunAsync("--data-root", Root, "restore-backup", "acme", "--from", Path.Combine(_folder["backups"], "acme.db"))).Expect(2);
        Assert.Contains("--yes", refused.Stderr);
        Assert.Equal(before, Db.Snapshot(Root));

        var restored = (await Tool.RunAsync("--data-root", Root, "restore-backup", "acme", "--from", Path.Combine(_folder["backups"], "acme.db"), "--yes", "--json")).Expect(0).Json;
        restored.GetProperty("tenant").IsTenant("acme");
        Assert.Equal(2, restored.Has("version", JsonValueKind.Number).GetInt32());
        Assert.False(restored.Has("created", JsonValueKind.False).GetBoolean());
        Assert.Equal(1, Db.Scalar(File("acme"), "SELECT count(*) FROM pages WHERE slug = 'kept';"));
        Assert.Equal(0, Db.Scalar(File("acme"), "SELECT count(*) FROM pages WHERE slug = 'mistake';"));
    }

    [Fact]
    public async Task Restore_backup_puts_back_a_tenant_whose_file_check_found_damaged_and_keeps_the_damaged_file()
    {
        // check's advice for a damaged tenant is `restore-backup T --from FILE --yes`; it failed with "file is not a database".
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        Db.Exec(File("acme"), "INSERT INTO pages (slug) VALUES ('kept');");
        (await Tool.RunAsync("--data-root", Root, "backup", "acme", "--to", _folder["backups"])).Expect(0);
        var damaged = System.Text.Encoding.ASCII.GetBytes("a torn write left this where the header was, and more bytes after it");
        System.IO.File.WriteAllBytes(File("acme"), damaged);
        var check = (await Tool.RunAsync("--data-root", Root, "check", "acme")).Expect(4);
        Assert.Contains("restore-backup T --from FILE --yes", check.Stdout + check.Stderr);

        var restored = (await Tool.RunAsync("--data-root", Root, "restore-backup", "acme", "--from", Path.Combine(_folder["backups"], "acme.db"), "--yes", "--json")).Expect(0);

        Assert.Equal(2, restored.Json.Has("version", JsonValueKind.Number).GetInt32());
        Assert.Equal(1, Db.Scalar(File("acme"), "SELECT count(*) FROM pages WHERE slug = 'kept';"));
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "check", "acme")).Expect(0);
        var aside = Assert.Single(Directory.GetFiles(Path.Combine(Root, "tenants"), "acme.db.damaged-*"), f => !f.EndsWith("-wal", StringComparison.Ordinal));
        Assert.Equal(damaged, System.IO.File.ReadAllBytes(aside));
        Assert.Contains(aside, restored.Stderr);
    }

    [Fact]
    public async Task Restore_backup_puts_back_a_catalogued_tenant_whose_file_was_lost()
    {
        // doctor's advice for "a catalogued tenant has no database file" is restore-backup; it failed with SQLite error 14.
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        Db.Exec(File("acme"), "INSERT INTO pages (slug) VALUES ('kept');");
        (await Tool.RunAsync("--data-root", Root, "backup", "acme", "--to", _folder["backups"])).Expect(0);
        System.IO.File.Delete(File("acme"));
        System.IO.File.WriteAllBytes(File("acme") + "-wal", new byte[32]); // what the lost file left behind
        var lost = (await Tool.RunAsync("--data-root", Root, "check", "acme")).Expect(1);
        Assert.Contains("restore-backup acme", lost.Stderr);

        (await Tool.RunAsync("--data-root", Root, "restore-backup", "acme", "--from", Path.Combine(_folder["backups"], "acme.db"))).Expect(0);

        Assert.Equal(1, Db.Scalar(File("acme"), "SELECT count(*) FROM pages WHERE slug = 'kept';"));
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "check", "acme")).Expect(0);
        Assert.Empty(Directory.GetFiles(Path.Combine(Root, "tenants"), "*.tmp*"));
    }

    [Fact]
    public async Task Restore_backup_of_an_unknown_tenant_creates_it()
    {
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        Db.Exec(File("acme"), "INSERT INTO pages (slug) VALUES ('home');");
        (await Tool.RunAsync("--data-root", Root, "backup", "acme", "--to", _folder["backups"])).Expect(0);

        var restored = (await Tool.RunAsync("--data-root", Root, "restore-backup", "globex", "--from", Path.Combine(_folder["backups"], "acme.db"), "--json")).Expect(0).Json;

        Assert.True(restored.GetProperty("created").GetBoolean());
        Assert.Equal(1, Db.Scalar(File("globex"), "SELECT count(*) FROM pages;"));
        Assert.Equal(["acme", "globex"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Json.GetProperty("tenants").Slugs());
    }

    [Fact]
    public async Task Restore_backup_of_a_file_that_is_not_a_database_changes_nothing()
    {
        (await Tool.RunAsync("--data-root", Root, "--migrations", Migrations, "create", "acme")).Expect(0);
        System.IO.File.WriteAllText(_folder["junk.db"], "this is not a database, not even close to one; it is text long enough to have a header");
        var before = Db.Snapshot(Root);

        var result = (await Tool.RunAsync("--data-root", Root, "restore-backup", "acme", "--from", _folder["junk.db"], "--yes")).Expect(1);

        Assert.Contains("nothing was restored", result.Stderr);
        Assert.Equal(before, Db.Snapshot(Root));
    }

    [Fact]
    public async Task Restore_backup_of_an_unknown_tenant_from_a_file_that_is_not_a_database_leaves_no_tenant()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        System.IO.File.WriteAllText(_folder["junk.db"], "this is not a database, not even close to one; it is text long enough to have a header");

        var result = (await Tool.RunAsync("--data-root", Root, "restore-backup", "globex", "--from", _folder["junk.db"])).Expect(1);

        Assert.Contains("nothing was restored", result.Stderr);
        Assert.Equal(["acme"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Json.GetProperty("tenants").Slugs());
        Assert.False(System.IO.File.Exists(File("globex")));
    }

    [Fact]
    public async Task Backup_needs_a_tenant_or_all()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);

        (await Tool.RunAsync("--data-root", Root, "backup", "--to", _folder["backups"])).Expect(2);
        (await Tool.RunAsync("--data-root", Root, "backup", "acme")).Expect(2); // --to is required
    }
}
