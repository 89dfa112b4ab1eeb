using Npgsql;

namespace Tenancy.Npgsql.Tests;

/// <summary>Poolers that lose startup state are refused; roles make a qualified cross-schema read fail.</summary>
public sealed class SafetyTests
{
    [Fact]
    public async Task A_pooler_that_drops_the_startup_search_path_is_refused_with_what_to_change()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await env.ExecuteAsync("CREATE TABLE public.pages (id bigint PRIMARY KEY, body text)");
        await using var proxy = new StartupDroppingProxy(env.Cluster.Port, "search_path");
        var options = new PostgresTenantOptions { Catalog = env.Cluster.ConnectionString(env.CatalogDb) };
        options.AddShard("main", new NpgsqlConnectionStringBuilder(env.Cluster.ConnectionString(env.ShardDbs[0])) { Port = proxy.Port }.ConnectionString);
        options.Migrations.Add(1, "init", PgEnv.PagesSql);
        await using var router = new PostgresTenantDatabases(options); // another process, its shard behind the proxy

        var ex = await Assert.ThrowsAsync<PostgresRoutingException>(async () => await router.GetDatabase("acme").OpenConnectionAsync());
        Assert.True(proxy.StartupsRewritten > 0);
        Assert.Contains("PgBouncer", ex.Message);
        Assert.Contains("session", ex.Message);
        Assert.Contains("nothing ran", ex.Message);
    }

    [Fact]
    public async Task With_roles_a_tenant_cannot_read_another_tenants_tables_even_by_qualified_name()
    {
        var suffix = Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")[..6];
        await using var env = await PgEnv.CreateAsync(o =>
        {
            o.EnforceWithRoles = true;
            o.SchemaTemplate = "t_{tenant}_" + suffix; // roles are cluster-wide: unique per test run
        });
        await env.Catalog.CreateAsync("a");
        await env.Catalog.CreateAsync("b");
        await using (var b = await env.Router.GetDatabase("b").OpenConnectionAsync())
        {
            await b.ExecAsync("INSERT INTO pages VALUES (1, 'secret')");
            Assert.Equal("t_b_" + suffix, await b.ScalarAsync<string>("SELECT current_user::text"));
        }

        await using var a = await env.Router.GetDatabase("a").OpenConnectionAsync();
        Assert.Equal("t_a_" + suffix, await a.ScalarAsync<string>("SELECT current_user::text"));
        Assert.Equal("t_a_" + suffix, await a.ScalarAsync<string>("SELECT tableowner::text FROM pg_tables WHERE tablename = 'pages' AND schemaname = current_schema()"));
        var ex = await Assert.ThrowsAsync<PostgresException>(() => a.ScalarAsync<long>($"SELECT count(*) FROM \"t_b_{suffix}\".pages"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);

        Assert.True(await env.Catalog.DeleteAsync("a"));
        Assert.Equal(0L, await env.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname = 't_a_{suffix}'"));
        Assert.True(await env.Catalog.DeleteAsync("b"));
    }
}
