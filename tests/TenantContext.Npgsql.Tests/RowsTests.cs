namespace Tenancy.Npgsql.Tests;

/// <summary>Rows per tenant: the shard's shared tables through one pool, the tenant carried by the connection.</summary>
public sealed class RowsTests
{
    private const string SharedSql = """
        CREATE TABLE pages (website_id bigint NOT NULL, id bigint NOT NULL, body text, PRIMARY KEY (website_id, id));
        ALTER TABLE pages ENABLE ROW LEVEL SECURITY;
        ALTER TABLE pages FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_rows ON pages USING (website_id = current_setting('tenancy.tenant_key')::bigint);
        """;

    // Row-level security does not apply to superusers: the shard is reached with a plain login that owns its tables.
    private static Task<PgEnv> RowsEnvAsync() => PgEnv.CreateAsync(
        o =>
        {
            o.Isolation = PostgresIsolation.Rows;
            o.Migrations.Add(1, "shared", SharedSql);
        },
        ownerLogin: true);

    [Fact]
    public async Task The_setting_names_are_the_public_contract()
    {
        Assert.Equal("tenancy.tenant", PostgresTenantSettings.Tenant);
        Assert.Equal("tenancy.tenant_key", PostgresTenantSettings.TenantKey);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_rows_tenant_connection_carries_the_tenant_and_its_key()
    {
        await using var env = await RowsEnvAsync();
        var acme = await env.Catalog.CreateAsync("acme");
        Assert.Equal((PostgresIsolation.Rows, "public", env.ShardDbs[0]), (acme.Isolation, acme.SchemaName, acme.DatabaseName));
        await using var c = await env.Router.GetDatabase("acme").OpenConnectionAsync();
        Assert.Equal("acme", await c.ScalarAsync<string>("SELECT current_setting('tenancy.tenant')"));
        Assert.Equal(acme.Key.ToString(), await c.ScalarAsync<string>("SELECT current_setting('tenancy.tenant_key')"));
        Assert.Equal("public", await c.ScalarAsync<string>("SELECT current_schema()"));
    }

    [Fact]
    public async Task Row_level_security_on_the_settings_keeps_tenants_apart_in_one_pool()
    {
        await using var env = await RowsEnvAsync();
        var a = await env.Catalog.CreateAsync("a");
        var b = await env.Catalog.CreateAsync("b");
        int pidA, pidB;
        await using (var c = await env.Router.GetDatabase("a").OpenConnectionAsync())
        {
            pidA = await c.ScalarAsync<int>("SELECT pg_backend_pid()");
            await c.ExecAsync("INSERT INTO pages VALUES ($1, 1, 'a')", a.Key);
        }

        await using (var c = await env.Router.GetDatabase("b").OpenConnectionAsync())
        {
            pidB = await c.ScalarAsync<int>("SELECT pg_backend_pid()");
            Assert.Equal(0L, await c.ScalarAsync<long>("SELECT count(*) FROM pages"));
            Assert.Equal("b", await c.ScalarAsync<string>("SELECT current_setting('tenancy.tenant')"));
        }

        Assert.Equal(pidA, pidB); // the same pooled physical connection served both tenants
        Assert.Equal(1, env.Router.OpenPoolCount);
    }

    [Fact]
    public async Task A_pooled_connection_rented_without_a_tenant_never_sees_the_previous_tenants_settings()
    {
        await using var env = await RowsEnvAsync();
        await env.Catalog.CreateAsync("acme");
        int pid;
        await using (var c = await env.Router.GetDatabase("acme").OpenConnectionAsync())
        {
            pid = await c.ScalarAsync<int>("SELECT pg_backend_pid()");
        }

        await using var shard = await env.Router.OpenShardConnectionAsync();
        Assert.Equal(pid, await shard.ScalarAsync<int>("SELECT pg_backend_pid()"));
        Assert.True(string.IsNullOrEmpty(await shard.ScalarAsync<string?>("SELECT current_setting('tenancy.tenant', true)")));
        Assert.True(string.IsNullOrEmpty(await shard.ScalarAsync<string?>("SELECT current_setting('tenancy.tenant_key', true)")));
    }

    [Fact]
    public async Task A_shard_connection_string_with_no_reset_on_close_still_never_hands_the_previous_tenants_settings_on()
    {
        // "No Reset On Close=true" is common Npgsql tuning; on the pool rows tenants share it would keep the last tenant's
        // settings on a returned connection, so a connection rented without a tenant saw that tenant's rows.
        await using var env = await RowsEnvAsync();
        var o = new PostgresTenantOptions { Catalog = env.Cluster.ConnectionString(env.CatalogDb), Isolation = PostgresIsolation.Rows };
        o.AddShard("main", new global::Npgsql.NpgsqlConnectionStringBuilder(env.Cluster.ConnectionString(env.ShardDbs[0])) { Username = env.ShardUser, NoResetOnClose = true }.ConnectionString);
        o.Migrations.Add(1, "shared", SharedSql);
        await using var router = new PostgresTenantDatabases(o);
        var key = (await router.Catalog.CreateAsync("acme")).Key;
        int pid;
        await using (var c = await router.GetDatabase("acme").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages VALUES ($1, 1, 'acme''s')", key);
            pid = await c.ScalarAsync<int>("SELECT pg_backend_pid()");
        }

        await using var shard = await router.OpenShardConnectionAsync();
        Assert.Equal(pid, await shard.ScalarAsync<int>("SELECT pg_backend_pid()"));
        Assert.True(string.IsNullOrEmpty(await shard.ScalarAsync<string?>("SELECT current_setting('tenancy.tenant', true)")));
        await Assert.ThrowsAsync<global::Npgsql.PostgresException>(() => shard.ScalarAsync<long>("SELECT count(*) FROM pages")); // no tenant key: the policy's cast fails, no row is shown
    }

    [Fact]
    public async Task Database_tenants_get_a_database_of_their_own_which_delete_drops()
    {
        await using var env = await PgEnv.CreateAsync(o => o.DatabaseTemplate = "db_{tenant}_" + Environment.ProcessId);
        var big = await env.Catalog.CreateAsync("big", isolation: PostgresIsolation.Database);
        Assert.Equal($"db_big_{Environment.ProcessId}", big.DatabaseName);
        await using (var c = await env.Router.GetDatabase("big").OpenConnectionAsync())
        {
            Assert.Equal(big.DatabaseName, await c.ScalarAsync<string>("SELECT current_database()"));
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'big')");
        }

        Assert.True(await env.Catalog.DeleteAsync("big"));
        Assert.Equal(0L, await env.Cluster.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{big.DatabaseName}'"));
    }
}
