namespace Tenancy.Npgsql.Tests;

/// <summary>The broker's deployments: pinned to one schema, not yet on tenants (public, explicitly), and per-request routing.</summary>
public sealed class BrokerDeploymentTests
{
    [Fact]
    public async Task A_deployment_pinned_to_one_tenant_from_configuration_works_outside_any_scope()
    {
        await using var env = await PgEnv.CreateAsync(builder: b => b.DefaultTenant("acme"));
        await env.Catalog.CreateAsync("acme");
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        await using var c = await TenantContext.GetDb().OpenAsync();
        Assert.Equal("tenant_acme", await c.ScalarAsync<string>("SELECT current_schema()"));
    }

    [Fact]
    public async Task A_deployment_without_tenants_keeps_the_public_schema_only_when_it_says_so()
    {
        await using var env = await PgEnv.CreateAsync(o => o.PublicSchemaTenant = "main", builder: b => b.DefaultTenant("main"));
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        await using var c = await TenantContext.GetDb().OpenAsync();
        Assert.Equal("public", await c.ScalarAsync<string>("SELECT current_schema()"));
        await c.ExecAsync("INSERT INTO pages VALUES (1, 'kept in public')"); // migrated in public
        Assert.Equal(1L, await env.ScalarAsync<long>("SELECT count(*) FROM public.pages"));
    }

    [Fact]
    public async Task Without_the_option_a_default_tenant_never_falls_back_to_public()
    {
        await using var env = await PgEnv.CreateAsync(builder: b => b.DefaultTenant("main"));
        await env.ExecuteAsync("CREATE TABLE public.pages (id bigint PRIMARY KEY, body text)");
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        var ex = Assert.ThrowsAny<TenantUnavailableException>(() => TenantContext.GetDb());
        Assert.Equal(TenantUnavailableReason.NotFound, ex.Reason);
    }

    [Fact]
    public async Task Requests_are_routed_per_tenant_dynamically()
    {
        await using var env = await PgEnv.CreateAsync();
        foreach (var t in new[] { "t1", "t2", "t3" })
        {
            await env.Catalog.CreateAsync(t);
        }

        using var _ = TenantContext.UseConfiguration(env.Configuration);
        foreach (var t in new[] { "t3", "t1", "t2", "t1" })
        {
            var schema = await TenantContext.RunAsync(t, async () =>
            {
                await using var c = await TenantContext.GetDb().OpenAsync();
                return await c.ScalarAsync<string>("SELECT current_schema()");
            });
            Assert.Equal("tenant_" + t, schema);
        }
    }
}
