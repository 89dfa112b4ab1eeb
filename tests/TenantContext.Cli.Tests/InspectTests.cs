using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>check [T | --all] and stats [T | --all].</summary>
public sealed class InspectTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    private async Task CreateAsync(params string[] tenants)
    {
        var migrations = SqlMigrations.Standard(_folder["migrations"]);
        foreach (var tenant in tenants)
        {
            (await Tool.RunAsync("--data-root", Root, "--migrations", migrations, "create", tenant)).Expect(0);
        }
    }

    [Fact]
    public async Task Check_all_of_healthy_tenants_exits_0()
    {
        await CreateAsync("acme", "globex");

        var report = (await Tool.RunAsync("--data-root", Root, "check", "--all", "--json")).Expect(0).Json;

        Assert.Equal(2, report.Has("healthy", JsonValueKind.Number).GetInt32());
        Assert.Equal(0, report.Has("damaged", JsonValueKind.Number).GetInt32());
        foreach (var tenant in report.Has("tenants", JsonValueKind.Array).EnumerateArray())
        {
            Assert.True(tenant.Has("healthy", JsonValueKind.True).GetBoolean());
            tenant.Has("integrityErrors", JsonValueKind.Array);
            tenant.Has("foreignKeyViolations", JsonValueKind.Array);
        }
    }

    [Fact]
    public async Task Check_finds_a_broken_foreign_key_and_exits_4()
    {
        await CreateAsync("acme", "globex");
        Db.Exec(Path.Combine(Root, "tenants", "acme.db"), "PRAGMA foreign_keys = OFF; INSERT INTO tags (page_id, tag) VALUES (42, 'orphan');");

        var result = (await Tool.RunAsync("--data-root", Root, "check", "--all", "--json")).Expect(4);

        var acme = result.Json.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("slug").GetString() == "acme");
        Assert.False(acme.GetProperty("healthy").GetBoolean());
        Assert.Contains("tags", acme.GetProperty("foreignKeyViolations")[0].GetString());
        Assert.Equal(1, result.Json.GetProperty("damaged").GetInt32());
    }

    [Fact]
    public async Task Check_reports_a_file_that_is_not_a_database()
    {
        await CreateAsync("acme");
        File.WriteAllBytes(Path.Combine(Root, "tenants", "acme.db"), new byte[8192]);
        File.Delete(Path.Combine(Root, "tenants", "acme.db-wal"));

        var plain = (await Tool.RunAsync("--data-root", Root, "check", "acme")).Expect(4);

        Assert.Contains("acme:", plain.Stdout);
    }

    [Fact]
    public async Task Stats_reports_size_version_and_rows_per_table()
    {
        await CreateAsync("acme", "globex");
        Db.Exec(Path.Combine(Root, "tenants", "acme.db"), "INSERT INTO pages (slug) VALUES ('a'), ('b'), ('c');");

        var stats = (await Tool.RunAsync("--data-root", Root, "stats", "--all", "--json")).Expect(0).Json;

        var tenants = stats.Has("tenants", JsonValueKind.Array);
        Assert.Equal(["acme", "globex"], tenants.Slugs());
        var acme = tenants[0];
        Assert.Equal(2, acme.Has("version", JsonValueKind.Number).GetInt32());
        Assert.True(acme.Has("sizeBytes", JsonValueKind.Number).GetInt64() > 0);
        acme.Has("lastWrite", JsonValueKind.String);
        acme.Has("path", JsonValueKind.String);
        var pages = acme.Has("tables", JsonValueKind.Array).EnumerateArray().Single(t => t.GetProperty("name").GetString() == "pages");
        Assert.Equal(3, pages.Has("rows", JsonValueKind.Number).GetInt64());
    }

    [Fact]
    public async Task Stats_of_one_tenant_prints_its_tables_in_plain_text()
    {
        await CreateAsync("acme");

        var stats = (await Tool.RunAsync("--data-root", Root, "stats", "acme")).Expect(0);

        Assert.Contains("pages", stats.Stdout);
        Assert.Contains("tags", stats.Stdout);
    }
}
