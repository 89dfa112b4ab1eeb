using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>migrate, check and stats against a PostgreSQL catalog with two shards on two servers, migrations from a folder of .sql files.</summary>
public sealed class PostgresMigrateTests
{
    [Fact]
    public async Task Migrate_all_runs_every_shard_reports_per_shard_in_json_and_exits_3_when_a_tenant_fails()
    {
        await using var env = await PgCli.CreateAsync();
        foreach (var (tenant, shard) in new[] { ("a", "main"), ("b", "main"), ("c", "s1"), ("d", "s1") })
        {
            (await env.RunAsync("create", tenant, "--shard", shard)).Expect(0);
        }

        env.AddStep(2, "tags", "CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL)");
        await env.Second.ExecuteAsync("CREATE TABLE tenant_d.tags (planted int)", env.S1Db); // d's step 2 fails

        var dry = (await env.RunAsync("migrate", "--all", "--dry-run", "--json")).Expect(0).Json;
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(0L, await env.MainScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tags'"));

        var run = (await env.RunAsync("migrate", "--all", "--json")).Expect(3).Json;

        Assert.Equal((2, 4, 3, 1), (run.GetProperty("targetVersion").GetInt32(), run.GetProperty("total").GetInt32(),
            run.GetProperty("succeeded").GetInt32(), run.GetProperty("failed").GetInt32()));
        var shards = run.Has("shards", JsonValueKind.Array).EnumerateArray().ToDictionary(s => s.GetProperty("shard").GetString()!);
        Assert.Equal((2, 2, 2, 0), (shards["main"].GetProperty("total").GetInt32(), shards["main"].GetProperty("succeeded").GetInt32(),
            shards["main"].GetProperty("changed").GetInt32(), shards["main"].GetProperty("failed").GetInt32()));
        Assert.Equal((2, 1, 1, 1), (shards["s1"].GetProperty("total").GetInt32(), shards["s1"].GetProperty("succeeded").GetInt32(),
            shards["s1"].GetProperty("changed").GetInt32(), shards["s1"].GetProperty("failed").GetInt32()));
        var d = run.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("slug").GetString() == "d");
        Assert.Equal((1, 1), (d.GetProperty("fromVersion").GetInt32(), d.GetProperty("toVersion").GetInt32()));
        Assert.False(string.IsNullOrEmpty(d.Has("error", JsonValueKind.String).GetString()));
        Assert.Equal(1L, await env.S1ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tenant_c' AND table_name = 'tags'"));
        Assert.Equal(2L, await env.MainScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tags'"));

        // Fixed, a re-run resumes: only d is migrated.
        await env.Second.ExecuteAsync("DROP TABLE tenant_d.tags", env.S1Db);
        var again = (await env.RunAsync("migrate", "--all", "--json")).Expect(0).Json;
        Assert.Equal(["d"], again.GetProperty("tenants").EnumerateArray().Where(t => t.GetProperty("changed").GetBoolean()).Select(t => t.GetProperty("slug").GetString()));
    }

    [Fact]
    public async Task Migrate_of_one_tenant_with_the_apps_assembly_runs_its_code_steps_and_records_the_version()
    {
        await using var env = await PgCli.CreateAsync();
        (await env.RunAsync("create", "acme", "--shard", "s1")).Expect(0); // version 1, from the folder
        var assembly = Path.Combine(AppContext.BaseDirectory, "TenantContext.Cli.Tests.dll");

        var run = (await Tool.RunAsync("migrate", "acme", "--json", "--postgres", env.Catalog, "--migrations", assembly + ":Tenancy.Cli.Tests.PostgresTestMigrations")).Expect(0).Json;

        var acme = Assert.Single(run.GetProperty("tenants").EnumerateArray());
        Assert.Equal((1, 2, true), (acme.GetProperty("fromVersion").GetInt32(), acme.GetProperty("toVersion").GetInt32(), acme.GetProperty("changed").GetBoolean()));
        Assert.Equal(2, await env.CatalogScalarAsync<int>("SELECT version FROM tenancy.tenants WHERE slug = 'acme'"));
        Assert.Equal("from code", await env.S1ScalarAsync<string>("SELECT body FROM tenant_acme.pages WHERE id = 1"));
    }

    [Fact]
    public async Task Check_reports_drift_between_shards_with_exit_code_4_and_stats_sizes_every_tenant()
    {
        await using var env = await PgCli.CreateAsync();
        foreach (var (tenant, shard) in new[] { ("a", "main"), ("b", "s1"), ("c", "s1") })
        {
            (await env.RunAsync("create", tenant, "--shard", shard)).Expect(0);
        }

        await env.First.ExecuteAsync("INSERT INTO tenant_a.pages SELECT i, 'p' FROM generate_series(1, 10) i; ANALYZE tenant_a.pages", env.MainDb);
        (await env.RunAsync("check", "--all", "--json")).Expect(0);
        await env.Second.ExecuteAsync("ALTER TABLE tenant_c.pages ADD COLUMN by_hand text", env.S1Db);

        var check = (await env.RunAsync("check", "--all", "--json")).Expect(4).Json;

        Assert.Equal((3, 2, 1), (check.GetProperty("total").GetInt32(), check.GetProperty("healthy").GetInt32(), check.GetProperty("damaged").GetInt32()));
        var c = check.GetProperty("tenants").EnumerateArray().Single(t => !t.GetProperty("healthy").GetBoolean());
        Assert.Equal("c", c.GetProperty("slug").GetString());
        Assert.Contains("drift", c.GetProperty("problems")[0].GetString());
        Assert.Contains("drift", (await env.RunAsync("check", "c")).Expect(4).Stdout);
        (await env.RunWithoutMigrationsAsync("check", "--all")).Expect(2);

        var stats = (await env.RunAsync("stats", "--all", "--json")).Expect(0).Json.GetProperty("tenants");
        Assert.Equal(["a", "b", "c"], stats.Slugs());
        var a = stats[0];
        Assert.Equal(("main", "schema", 1), (a.GetProperty("shard").GetString(), a.GetProperty("isolation").GetString(), a.GetProperty("version").GetInt32()));
        Assert.True(a.GetProperty("tables").GetInt32() >= 1);
        Assert.True(a.GetProperty("sizeBytes").GetInt64() > 0);
        Assert.Equal(10L, a.GetProperty("rowsEstimate").GetInt64());
    }
}
