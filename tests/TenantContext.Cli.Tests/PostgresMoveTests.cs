using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary><c>move</c>: a schema tenant between two servers, its dry run, and a planted mismatch.</summary>
public sealed class PostgresMoveTests
{
    [Fact]
    public async Task Move_dry_run_prints_the_plan_and_changes_nothing()
    {
        await using var env = await PgCli.CreateAsync();
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync("INSERT INTO tenant_acme.pages SELECT i, 'page ' || i FROM generate_series(1, 40) i", env.MainDb);

        var plan = (await env.RunAsync("move", "acme", "--to", "s1", "--dry-run", "--json")).Expect(0).Json;

        Assert.True(plan.GetProperty("dryRun").GetBoolean());
        var pages = Assert.Single(plan.GetProperty("tables").EnumerateArray());
        Assert.Equal(("pages", 40L), (pages.GetProperty("table").GetString(), pages.GetProperty("rows").GetInt64()));
        Assert.Equal(1L, await env.CatalogScalarAsync<long>("SELECT epoch FROM tenancy.tenants WHERE slug = 'acme' AND shard = 'main' AND NOT moving"));
        Assert.Equal(0L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.moves"));
        Assert.False(await PgCli.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
        Assert.Equal(40L, await env.MainScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"));
    }

    [Fact]
    public async Task Move_of_a_schema_tenant_to_another_server_prints_the_verified_report_and_the_catalog_follows()
    {
        await using var env = await PgCli.CreateAsync();
        env.AddStep(2, "comments", "CREATE TABLE comments (id bigserial PRIMARY KEY, page_id bigint NOT NULL, body text)");
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync(
            "INSERT INTO tenant_acme.pages SELECT i, 'page ' || i FROM generate_series(1, 30) i; " +
            "INSERT INTO tenant_acme.comments (page_id, body) SELECT id, 'c' FROM tenant_acme.pages", env.MainDb);

        var report = (await env.RunAsync("move", "acme", "--to", "s1", "--catalog-staleness", "0.2", "--json")).Expect(0).Json;

        Assert.False(report.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2L, report.GetProperty("epoch").GetInt64());
        Assert.Equal(60L, report.GetProperty("rowsCopied").GetInt64());
        Assert.Contains("main", report.GetProperty("from").GetString());
        Assert.Contains("s1", report.GetProperty("to").GetString());
        var tables = report.GetProperty("tables").EnumerateArray().ToList();
        Assert.Equal(["comments", "pages"], tables.Select(t => t.GetProperty("table").GetString()).Order());
        Assert.All(tables, t => Assert.True(t.GetProperty("verified").GetBoolean(), t.ToString()));
        Assert.Contains(report.GetProperty("phases").EnumerateArray(), p => p.GetProperty("phase").GetString() == "verifying");
        Assert.Contains(report.GetProperty("sequences").EnumerateArray(), s => s.GetProperty("targetValue").GetInt64() == 30);
        Assert.Contains("verified", report.Has("summary", JsonValueKind.String).GetString());

        Assert.Equal(("s1", 2L), (await env.CatalogScalarAsync<string>("SELECT shard FROM tenancy.tenants WHERE slug = 'acme'"),
            await env.CatalogScalarAsync<long>("SELECT epoch FROM tenancy.tenants WHERE slug = 'acme'")));
        Assert.Equal(30L, await env.S1ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"));
        Assert.False(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        var shown = (await env.RunAsync("show", "acme", "--json")).Expect(0).Json.GetProperty("tenant").GetProperty("placement");
        Assert.Equal("s1", shown.GetProperty("shard").GetString());
    }

    [Fact]
    public async Task Move_whose_copy_differs_from_the_source_exits_4_and_switches_nothing()
    {
        await using var env = await PgCli.CreateAsync();
        // Planted: a trigger from the migrations that alters rows as they arrive in s1's database only, so the target's copy differs.
        env.AddStep(2, "tamper", $$"""
            CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              IF current_database() = '{{env.S1Db}}' THEN NEW.body := 'tampered'; END IF;
              RETURN NEW;
            END $f$;
            CREATE TRIGGER tamper BEFORE INSERT ON pages FOR EACH ROW EXECUTE FUNCTION tamper();
            """);
        (await env.RunAsync("create", "acme")).Expect(0);
        await env.First.ExecuteAsync("INSERT INTO tenant_acme.pages SELECT i, 'page ' || i FROM generate_series(1, 5) i", env.MainDb);

        var result = (await env.RunAsync("move", "acme", "--to", "s1", "--mode", "offline", "--catalog-staleness", "0", "--json")).Expect(4);

        var error = result.Json.GetProperty("error");
        Assert.Equal(4, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("TenantMoveVerificationException", error.GetProperty("type").GetString());
        Assert.Contains("Nothing was switched", error.GetProperty("message").GetString());
        Assert.Contains("\"pages\" differs between source and target in key range id (-∞, +∞)", error.GetProperty("message").GetString()); // 5 rows: one range
        Assert.Equal(("main", 1L), (await env.CatalogScalarAsync<string>("SELECT shard FROM tenancy.tenants WHERE slug = 'acme'"),
            await env.CatalogScalarAsync<long>("SELECT epoch FROM tenancy.tenants WHERE slug = 'acme'")));
        Assert.Equal(5L, await env.MainScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages WHERE body LIKE 'page %'"));
        Assert.False(await PgCli.SchemaExistsAsync(env.Second, env.S1Db, "tenant_acme"));
    }

    [Fact]
    public async Task Split_on_postgres_is_refused_with_the_recipe_and_the_recipe_promotes_a_tenant_from_shared_rows_by_the_apps_tenant_column()
    {
        await using var env = await PgCli.CreateAsync(o => o.TenantColumn = "site"); // the app's shared tables say which site a row belongs to, by slug
        env.AddStep(2, "site", "ALTER TABLE pages ADD COLUMN site text");

        var refused = (await env.RunAsync("split", "--source", "shared.db", "--by", "site", "--tables", "pages", "--json")).Expect(2);
        var message = refused.Json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("SQLite-only", message);
        Assert.Contains("--isolation rows", message);
        Assert.Contains("tenantctl move T --to S --isolation schema", message);

        // The recipe: the shared rows, catalogued as rows tenants, then one promoted to a schema of its own (verified, switched).
        (await env.RunAsync("create", "acme", "--shard", "s1", "--isolation", "rows")).Expect(0);
        await env.Second.ExecuteAsync("INSERT INTO pages SELECT i, 'p' || i, CASE WHEN i <= 6 THEN 'acme' ELSE 'globex' END FROM generate_series(1, 10) i", env.S1Db);
        (await env.RunAsync("create", "globex", "--shard", "s1", "--isolation", "rows")).Expect(0);

        var moved = (await env.RunAsync("move", "acme", "--to", "s1", "--isolation", "schema", "--catalog-staleness", "0", "--json")).Expect(0).Json;

        Assert.Equal(6L, moved.GetProperty("rowsCopied").GetInt64());
        Assert.Equal(6L, await env.S1ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages WHERE site = 'acme'"));
        Assert.Equal(["globex"], (await env.S1ScalarAsync<string[]>("SELECT array_agg(DISTINCT site) FROM public.pages")));
        Assert.Equal("schema", await env.CatalogScalarAsync<string>("SELECT isolation FROM tenancy.tenants WHERE slug = 'acme'"));
    }
}
