using System.IO.Compression;
using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary><c>backup</c> and <c>restore-backup</c> on PostgreSQL: schema, database and rows tenants, replacing, and damaged files.</summary>
public sealed class PostgresBackupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Backups => _folder["backups"];

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_schema_tenants_backup_restores_verified_under_a_new_name_migrated_forward_and_replaces_only_with_yes()
    {
        await using var env = await PgCli.CreateAsync();
        env.AddStep(2, "comments", "CREATE TABLE comments (id bigserial PRIMARY KEY, page_id bigint NOT NULL REFERENCES pages, body text, at timestamptz DEFAULT now())");
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync(
            "INSERT INTO tenant_acme.pages SELECT i, 'page ' || i FROM generate_series(1, 30) i; " +
            "INSERT INTO tenant_acme.comments (page_id, body) SELECT id, 'c' FROM tenant_acme.pages", env.MainDb);

        var backup = (await env.RunAsync("backup", "acme", "--to", Backups, "--json")).Expect(0).Json;
        var file = Assert.Single(backup.GetProperty("tenants").EnumerateArray()).GetProperty("file").GetString()!;
        Assert.EndsWith("acme.tenant.zip", file);
        Assert.Empty(Directory.GetFiles(Backups, "*.partial"));

        // The app moved on: a step 3 changes pages; the restore builds version 2, loads, verifies, then runs step 3 on the rows.
        env.AddStep(3, "titles", "ALTER TABLE pages ADD COLUMN title text; UPDATE pages SET title = upper(body)");
        var restored = (await env.RunAsync("restore-backup", "copy", "--from", file, "--json")).Expect(0).Json;

        Assert.True(restored.GetProperty("created").GetBoolean());
        Assert.Equal(2, restored.GetProperty("version").GetInt32());
        Assert.Equal(3, restored.GetProperty("tenant").GetProperty("placement").GetProperty("version").GetInt32());
        Assert.Equal([("comments", 30L), ("pages", 30L)], restored.GetProperty("tables").EnumerateArray()
            .Select(t => (t.GetProperty("table").GetString(), t.GetProperty("rows").GetInt64())).Order());
        Assert.Equal("PAGE 7", await env.MainScalarAsync<string>("SELECT title FROM tenant_copy.pages WHERE id = 7"));
        Assert.Equal(31L, await env.MainScalarAsync<long>("INSERT INTO tenant_copy.comments (page_id) VALUES (1) RETURNING id")); // the sequence came back

        // An existing tenant: refused without --yes (nothing changes), replaced with it.
        await env.First.ExecuteAsync("DELETE FROM tenant_acme.comments; DELETE FROM tenant_acme.pages WHERE id > 3", env.MainDb);
        var refused = (await env.RunAsync("restore-backup", "acme", "--from", file, "--json")).Expect(2);
        Assert.Contains("--yes", refused.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(3L, await env.MainScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"));

        var replaced = (await env.RunAsync("restore-backup", "acme", "--from", file, "--yes", "--json")).Expect(0).Json;
        Assert.False(replaced.GetProperty("created").GetBoolean());
        Assert.Equal((30L, 30L), (await env.MainScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"), await env.MainScalarAsync<long>("SELECT count(*) FROM tenant_acme.comments")));
        Assert.Equal(3, await env.CatalogScalarAsync<int>("SELECT version FROM tenancy.tenants WHERE slug = 'acme'"));
        Assert.Equal(3, await env.MainScalarAsync<int>("SELECT max(version) FROM tenant_acme.tenancy_migrations"));
    }

    [Fact]
    public async Task Database_and_rows_tenants_back_up_and_restore_and_a_restored_rows_tenants_rows_carry_its_new_key()
    {
        await using var env = await PgCli.CreateAsync();
        env.AddStep(2, "tenant column", "ALTER TABLE pages ADD COLUMN tenant_id bigint");
        var big = "big-" + Guid.NewGuid().ToString("N")[..6];
        (await env.RunAsync("create", big, "--isolation", "database")).Expect(0);
        (await env.RunAsync("create", "shared", "--shard", "s1", "--isolation", "rows")).Expect(0);
        (await env.RunAsync("create", "other", "--shard", "s1", "--isolation", "rows")).Expect(0);
        var sharedKey = await env.CatalogScalarAsync<long>("SELECT key FROM tenancy.tenants WHERE slug = 'shared'");
        var otherKey = await env.CatalogScalarAsync<long>("SELECT key FROM tenancy.tenants WHERE slug = 'other'");
        await env.First.ExecuteAsync("INSERT INTO pages SELECT i, 'big ' || i FROM generate_series(1, 12) i", "tenant_" + big);
        await env.Second.ExecuteAsync(
            $"INSERT INTO pages SELECT i, 'shared ' || i, {sharedKey} FROM generate_series(1, 8) i; " +
            $"INSERT INTO pages SELECT i, 'other ' || i, {otherKey} FROM generate_series(100, 104) i", env.S1Db);

        var all = (await env.RunAsync("backup", "--all", "--to", Backups, "--json")).Expect(0).Json;
        Assert.Equal(3, all.GetProperty("succeeded").GetInt32());

        var bigCopy = "bc-" + Guid.NewGuid().ToString("N")[..6];
        (await env.RunAsync("restore-backup", bigCopy, "--from", Path.Combine(Backups, big + ".tenant.zip"))).Expect(0);
        Assert.Equal(12L, await env.First.ScalarAsync<long>("SELECT count(*) FROM pages", "tenant_" + bigCopy));
        Assert.Equal("database", await env.CatalogScalarAsync<string>($"SELECT isolation FROM tenancy.tenants WHERE slug = '{bigCopy}'"));

        // Next to the rows it was taken from, a rows backup collides (rows keep their ids): refused, nothing created.
        var collides = (await env.RunAsync("restore-backup", "again", "--from", Path.Combine(Backups, "shared.tenant.zip"), "--json")).Expect(1);
        Assert.Contains("collides", collides.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(0L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.tenants WHERE slug = 'again'"));
        Assert.Equal(13L, await env.S1ScalarAsync<long>("SELECT count(*) FROM pages"));

        // On another shard, the rows arrive with the new tenant's key; the other tenant's rows were never in the backup.
        (await env.RunAsync("restore-backup", "moved", "--from", Path.Combine(Backups, "shared.tenant.zip"), "--shard", "main")).Expect(0);
        var movedKey = await env.CatalogScalarAsync<long>("SELECT key FROM tenancy.tenants WHERE slug = 'moved' AND shard = 'main' AND isolation = 'rows'");
        Assert.NotEqual(sharedKey, movedKey);
        Assert.Equal(8L, await env.MainScalarAsync<long>($"SELECT count(*) FROM public.pages WHERE tenant_id = {movedKey} AND body LIKE 'shared %'"));
        Assert.Equal(8L, await env.MainScalarAsync<long>("SELECT count(*) FROM public.pages"));
    }

    [Fact]
    public async Task A_truncated_or_damaged_backup_is_refused_with_what_to_do_and_nothing_is_created()
    {
        await using var env = await PgCli.CreateAsync();
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync("INSERT INTO tenant_acme.pages SELECT i, repeat('x', 50) || i FROM generate_series(1, 500) i", env.MainDb);
        (await env.RunAsync("backup", "acme", "--to", Backups)).Expect(0);
        var good = Path.Combine(Backups, "acme.tenant.zip");

        var truncated = _folder["truncated.zip"];
        var bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 2 / 3)]);
        var damaged = _folder["damaged.zip"];
        File.Copy(good, damaged);
        using (var zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("tables/0001.bin")!;
            byte[] rows;
            using (var read = entry.Open())
            using (var copy = new MemoryStream())
            {
                read.CopyTo(copy);
                rows = copy.ToArray();
            }

            rows[rows.Length / 2] ^= 0x20; // one changed character in one row: still a valid COPY stream, no longer the backup's
            entry.Delete();
            using var write = zip.CreateEntry("tables/0001.bin").Open();
            write.Write(rows);
        }

        foreach (var (file, expected) in new[] { (truncated, "not a complete ZIP file"), (damaged, "do not match their checksum") })
        {
            var result = (await env.RunAsync("restore-backup", "fresh", "--from", file, "--json")).Expect(1);
            var message = result.Json.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains(expected, message);
            Assert.Contains("Nothing was created or changed", message);
            Assert.Equal(0L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.tenants WHERE slug = 'fresh'"));
            Assert.False(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "tenant_fresh"));
        }
    }
}
