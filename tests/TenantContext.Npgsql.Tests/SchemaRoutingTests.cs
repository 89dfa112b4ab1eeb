using Npgsql;

namespace Tenancy.Npgsql.Tests;

/// <summary>Schema per tenant, end to end: the search path is exactly the tenant's schema, checked on every physical connection.</summary>
public sealed class SchemaRoutingTests
{
    [Fact]
    public async Task A_schema_tenant_connection_sees_exactly_its_schema_and_nothing_behind_it()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await env.ExecuteAsync("CREATE TABLE public.pages (id bigint PRIMARY KEY, body text)");
        using (TenantContext.UseConfiguration(env.Configuration))
        using (TenantContext.Enter("acme"))
        {
            await using var c = await TenantContext.GetDb().OpenAsync();
            Assert.Equal("tenant_acme", await c.ScalarAsync<string>("SELECT current_schema()"));
            Assert.Equal("\"tenant_acme\"", await c.ScalarAsync<string>("SHOW search_path"));
            Assert.Equal(1L, await c.ScalarAsync<long>("SELECT count(*) FROM tenancy_migrations"));
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'hello')");
        }

        Assert.Equal(1L, await env.ScalarAsync<long>("SELECT count(*) FROM tenant_acme.pages"));
        Assert.Equal(0L, await env.ScalarAsync<long>("SELECT count(*) FROM public.pages"));
    }

    [Fact]
    public async Task Tenants_do_not_see_each_others_rows()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("a");
        await env.Catalog.CreateAsync("b");
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        await TenantContext.RunAsync("a", async () =>
        {
            await using var c = await TenantContext.GetDb().OpenAsync();
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'a')");
        });
        await TenantContext.RunAsync("b", async () =>
        {
            await using var c = await TenantContext.GetDb().OpenAsync();
            Assert.Equal(0L, await c.ScalarAsync<long>("SELECT count(*) FROM pages"));
        });
    }

    [Fact]
    public async Task An_uncatalogued_tenant_is_refused_at_entry()
    {
        await using var env = await PgEnv.CreateAsync();
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        var ex = Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("ghost"));
        Assert.Equal(TenantUnavailableReason.NotFound, ex.Reason);
        Assert.Contains("CreateAsync", ex.Message);
    }

    [Fact]
    public async Task A_dropped_schema_fails_closed_with_no_fallback()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("gone");
        await env.ExecuteAsync("CREATE TABLE public.pages (id bigint PRIMARY KEY, body text)");
        await env.ExecuteAsync("DROP SCHEMA tenant_gone CASCADE");
        await using var other = env.SecondRouter(); // another process: new physical connections
        var db = other.GetDatabase("gone");
        var ex = await Assert.ThrowsAsync<PostgresRoutingException>(async () => await db.OpenConnectionAsync());
        Assert.Contains("does not exist", ex.Message);
        Assert.Contains("no fallback", ex.Message);
    }

    [Fact]
    public async Task The_sync_open_routes_the_same_way()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("sync-1");
        using var c = env.Router.GetDatabase("sync-1").OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT current_schema()", c);
        Assert.Equal("tenant_sync-1", cmd.ExecuteScalar());
    }

    public static readonly string[] HostileSlugs =
    [
        "Acme", "a\"; DROP SCHEMA public; --", "a'b", "a b", "a.b", "../x", "a$b", "-a", "", "\u00e4", "a\u0000", "a\nb", "a;b", "a\\b",
        "public\"", "a/*", "$user", "pg_catalog\\", "x\" CASCADE", new string('a', 64), "con", "a\u200bb", "A-b",
    ];

    [Fact]
    public async Task Hostile_slugs_are_refused_before_any_SQL_runs()
    {
        await using var env = await PgEnv.CreateAsync();
        foreach (var slug in HostileSlugs)
        {
            await AssertRefusedAsync(env, slug);
        }

        // Not one statement reached the server: the catalog's tables were never even created.
        Assert.Equal(0L, await env.Cluster.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenancy'", env.CatalogDb));
    }

    private static async Task AssertRefusedAsync(PgEnv env, string slug)
    {
        await Assert.ThrowsAsync<InvalidTenantSlugException>(() => env.Catalog.CreateAsync(slug));
        await Assert.ThrowsAsync<InvalidTenantSlugException>(() => env.Catalog.GetAsync(slug));
        await Assert.ThrowsAsync<InvalidTenantSlugException>(() => env.Catalog.ArchiveAsync(slug));
        await Assert.ThrowsAsync<InvalidTenantSlugException>(() => env.Catalog.DeleteAsync(slug));
        Assert.Throws<InvalidTenantSlugException>(() => env.Router.GetDatabase(slug));
        using (TenantContext.UseConfiguration(env.Configuration))
        {
            Assert.Throws<InvalidTenantSlugException>(() => TenantContext.Enter(slug));
        }
    }

    [Fact]
    public async Task A_slug_whose_schema_name_would_pass_63_bytes_is_refused_instead_of_truncated()
    {
        await using var env = await PgEnv.CreateAsync();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => env.Catalog.CreateAsync(new string('a', 60)));
        Assert.Contains("63-byte", ex.Message);
    }
}
