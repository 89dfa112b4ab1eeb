using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>migrate [T | --all] [--dry-run] [--parallel N] with migrations from a folder of .sql files or from an assembly.</summary>
public sealed class MigrateTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    private string V1() => SqlMigrations.Write(_folder["v1"], ("0001_init.sql", "CREATE TABLE pages (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, body TEXT);"));

    private string V2() => SqlMigrations.Standard(_folder["v2"]);

    private async Task CreateAtV1(params string[] tenants)
    {
        var v1 = V1();
        foreach (var tenant in tenants)
        {
            (await Tool.RunAsync("--data-root", Root, "--migrations", v1, "create", tenant)).Expect(0);
        }
    }

    private long Version(string tenant) => Db.Scalar(Path.Combine(Root, "tenants", tenant + ".db"), "PRAGMA user_version;");

    [Fact]
    public async Task Migrate_all_brings_every_tenant_to_the_latest_version_and_reports_each()
    {
        await CreateAtV1("acme", "globex", "initech");

        var report = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all", "--parallel", "2", "--json")).Expect(0).Json;

        Assert.False(report.Has("dryRun", JsonValueKind.False).GetBoolean());
        Assert.Equal(2, report.Has("targetVersion", JsonValueKind.Number).GetInt32());
        Assert.Equal(3, report.Has("total", JsonValueKind.Number).GetInt32());
        Assert.Equal(3, report.Has("succeeded", JsonValueKind.Number).GetInt32());
        Assert.Equal(0, report.Has("failed", JsonValueKind.Number).GetInt32());
        Assert.False(report.Has("cancelled", JsonValueKind.False).GetBoolean());
        report.Has("durationMs", JsonValueKind.Number);
        var tenants = report.Has("tenants", JsonValueKind.Array);
        Assert.Equal(["acme", "globex", "initech"], tenants.Slugs());
        foreach (var tenant in tenants.EnumerateArray())
        {
            Assert.Equal(1, tenant.Has("fromVersion", JsonValueKind.Number).GetInt32());
            Assert.Equal(2, tenant.Has("toVersion", JsonValueKind.Number).GetInt32());
            Assert.True(tenant.Has("changed", JsonValueKind.True).GetBoolean());
            tenant.HasNullable("error", JsonValueKind.String);
        }

        Assert.All(new[] { "acme", "globex", "initech" }, t => Assert.Equal(2, Version(t)));
    }

    [Fact]
    public async Task Migrate_all_dry_run_reports_what_would_change_and_changes_nothing()
    {
        await CreateAtV1("acme", "globex");
        var before = Db.Snapshot(Root);

        var report = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all", "--dry-run", "--json")).Expect(0).Json;

        Assert.True(report.GetProperty("dryRun").GetBoolean());
        Assert.All(report.GetProperty("tenants").EnumerateArray(), t => Assert.Equal(2, t.GetProperty("toVersion").GetInt32()));
        Assert.Equal(before, Db.Snapshot(Root));
    }

    [Fact]
    public async Task A_failing_tenant_is_reported_the_others_migrate_and_the_exit_code_is_3()
    {
        await CreateAtV1("acme", "broken", "globex");
        Db.Exec(Path.Combine(Root, "tenants", "broken.db"), "CREATE TABLE tags (x);"); // step 2 cannot create it

        var result = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all", "--json")).Expect(3);

        var report = result.Json;
        Assert.Equal(1, report.GetProperty("failed").GetInt32());
        var broken = report.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("slug").GetString() == "broken");
        Assert.Contains("tags", broken.GetProperty("error").GetString());
        Assert.Equal(1, Version("broken"));
        Assert.Equal(2, Version("acme"));
        Assert.Equal(2, Version("globex"));
    }

    [Fact]
    public async Task Plain_migrate_all_lists_the_failure_and_says_a_rerun_resumes()
    {
        await CreateAtV1("acme", "broken");
        Db.Exec(Path.Combine(Root, "tenants", "broken.db"), "CREATE TABLE tags (x);");

        var result = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all")).Expect(3);

        Assert.Contains("FAILED broken", result.Stdout);
        Assert.Contains("re-run", result.Stdout);
    }

    [Fact]
    public async Task A_tenant_whose_file_is_not_a_database_is_not_reported_at_version_minus_one()
    {
        await CreateAtV1("acme", "broken");
        File.WriteAllBytes(Path.Combine(Root, "tenants", "broken.db"), new byte[4096]);

        var result = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all")).Expect(3);

        Assert.Contains("FAILED broken (its version could not be read", result.Stdout);
        Assert.DoesNotContain("version -1", result.Stdout);
    }

    [Fact]
    public async Task In_json_a_tenant_whose_version_could_not_be_read_has_null_versions_not_minus_one()
    {
        await CreateAtV1("acme", "broken");
        File.WriteAllBytes(Path.Combine(Root, "tenants", "broken.db"), new byte[4096]);

        var report = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all", "--json")).Expect(3).Json;

        var broken = report.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("slug").GetString() == "broken");
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("fromVersion").ValueKind);
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("toVersion").ValueKind);
        Assert.False(broken.GetProperty("changed").GetBoolean());
        broken.Has("error", JsonValueKind.String);
        var acme = report.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("slug").GetString() == "acme");
        Assert.Equal((1, 2), (acme.Has("fromVersion", JsonValueKind.Number).GetInt32(), acme.Has("toVersion", JsonValueKind.Number).GetInt32()));
    }

    [Fact]
    public async Task Migrate_one_tenant_leaves_the_others()
    {
        await CreateAtV1("acme", "globex");

        var report = (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "acme", "--json")).Expect(0).Json;

        Assert.Equal(["acme"], report.GetProperty("tenants").Slugs());
        Assert.Equal(2, Version("acme"));
        Assert.Equal(1, Version("globex"));
    }

    [Fact]
    public async Task Migrations_can_come_from_a_type_in_the_apps_assembly()
    {
        (await Tool.RunAsync("--data-root", Root, "create", "acme")).Expect(0);
        var assembly = Path.Combine(AppContext.BaseDirectory, "TenantContext.Cli.Tests.dll");

        (await Tool.RunAsync("--data-root", Root, "--migrations", assembly + ":Tenancy.Cli.Tests.TestMigrations", "migrate", "--all")).Expect(0);
        (await Tool.RunAsync("--data-root", Root, "--migrations", assembly, "create", "globex")).Expect(0); // the one type is found

        Assert.Equal(2, Version("acme"));
        Assert.Equal(1, Db.Scalar(Path.Combine(Root, "tenants", "acme.db"), "SELECT count(*) FROM pages WHERE body = 'from code';"));
        Assert.Equal(2, Version("globex"));
    }

    [Fact]
    public async Task Migrate_without_migrations_or_without_a_target_is_a_usage_error()
    {
        await CreateAtV1("acme");

        (await Tool.RunAsync("--data-root", Root, "migrate", "--all")).Expect(2);
        (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate")).Expect(2);
        (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "acme", "--all")).Expect(2);
        (await Tool.RunAsync("--data-root", Root, "--migrations", V2(), "migrate", "--all", "--parallel", "-1")).Expect(2);
        Assert.Equal(1, Version("acme"));
    }

    [Fact]
    public async Task A_migrations_folder_with_a_badly_named_file_is_refused()
    {
        var folder = SqlMigrations.Write(_folder["bad"], ("0001_init.sql", "CREATE TABLE a (x);"), ("add_b.sql", "CREATE TABLE b (x);"));

        var result = (await Tool.RunAsync("--data-root", Root, "--migrations", folder, "create", "acme")).Expect(2);

        Assert.Contains("add_b.sql", result.Stderr);
        Assert.False(Directory.Exists(Root));
    }
}
