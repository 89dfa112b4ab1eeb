using Npgsql;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Tests;

/// <summary>The tool makes tenants as the app does: it reads the app's settings from the catalog, and a flag wins for one run.</summary>
public sealed class PostgresSettingsTests
{
    [Fact]
    public async Task Create_under_an_app_that_enforces_roles_makes_a_tenant_the_app_enters_as_its_role()
    {
        await using var env = await PgCli.CreateAsync(o => o.EnforceWithRoles = true);

        var created = (await env.RunAsync("create", "acme", "--json")).Expect(0);

        Assert.DoesNotContain("overrides", created.Stderr);
        Assert.Equal("tenant_acme", await env.MainScalarAsync<string>("SELECT r.rolname::text FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'tenant_acme'"));
        await using var app = env.App();
        await using var connection = await app.GetDatabase("acme").OpenConnectionAsync();
        await using var command = new NpgsqlCommand("INSERT INTO pages VALUES (1, 'hello'); SELECT current_user::text", connection);
        Assert.Equal("tenant_acme", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_apps_templates_are_used_and_a_flag_wins_for_one_run_says_so_and_leaves_the_apps_record_alone()
    {
        await using var env = await PgCli.CreateAsync(o => { o.SchemaTemplate = "site_{tenant}"; o.MaxConnectionsPerShard = 7; });

        (await env.RunAsync("create", "acme")).Expect(0);
        var overridden = (await env.RunAsync("create", "beta", "--schema-template", "t_{tenant}")).Expect(0);
        var doctor = (await env.RunAsync("doctor", "--json")).Expect(0).Json;

        Assert.True(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "site_acme"));
        Assert.True(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "t_beta"));
        Assert.Contains("--schema-template t_{tenant} overrides the app's SchemaTemplate recorded in the catalog (site_{tenant})", overridden.Stderr);
        Assert.Equal("site_{tenant}", await env.CatalogScalarAsync<string>("SELECT value FROM tenancy.settings WHERE name = 'SchemaTemplate'"));
        var settings = doctor.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "app settings");
        Assert.Contains("MaxConnectionsPerShard 7", settings.GetProperty("detail").GetString());
    }
}
