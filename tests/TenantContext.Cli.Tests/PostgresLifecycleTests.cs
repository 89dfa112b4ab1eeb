using System.Text.Json;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Tests;

/// <summary>list, show, create, archive, restore, delete, shards and doctor against a PostgreSQL catalog with two shards on two servers.</summary>
public sealed class PostgresLifecycleTests
{
    [Fact]
    public async Task Create_makes_schema_database_and_rows_tenants_and_list_and_show_print_their_placements()
    {
        await using var env = await PgCli.CreateAsync();
        var big = "big-" + Guid.NewGuid().ToString("N")[..8];

        var acme = (await env.RunAsync("create", "acme", "--json")).Expect(0).Json.Has("tenant", JsonValueKind.Object).IsTenant("acme");
        (await env.RunAsync("create", big, "--isolation", "database", "--json")).Expect(0);
        (await env.RunAsync("create", "shared", "--shard", "s1", "--isolation", "rows", "--json")).Expect(0);

        var placement = acme.Has("placement", JsonValueKind.Object);
        Assert.Equal(("main", "schema", "tenant_acme", env.MainDb, 1), (placement.GetProperty("shard").GetString(), placement.GetProperty("isolation").GetString(),
            placement.GetProperty("schema").GetString(), placement.GetProperty("database").GetString(), placement.GetProperty("version").GetInt32()));
        Assert.Equal(1L, await env.MainScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tenant_acme' AND table_name = 'pages'"));
        Assert.Equal(1L, await env.First.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pages'", "tenant_" + big));
        Assert.Equal(1L, await env.S1ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'pages'"));

        var list = (await env.RunWithoutMigrationsAsync("list", "--json")).Expect(0).Json.Has("tenants", JsonValueKind.Array);
        Assert.Equal(["acme", big, "shared"], list.Slugs());
        Assert.Equal(["schema", "database", "rows"], list.EnumerateArray().Select(t => t.GetProperty("placement").GetProperty("isolation").GetString()));
        Assert.Equal(["main", "main", "s1"], list.EnumerateArray().Select(t => t.GetProperty("placement").GetProperty("shard").GetString()));

        var show = (await env.RunWithoutMigrationsAsync("show", big)).Expect(0);
        Assert.Contains("tenant_" + big, show.Stdout);
        Assert.Contains("database", show.Stdout);
    }

    [Fact]
    public async Task Delete_without_yes_changes_nothing_archive_and_restore_round_trip_and_delete_yes_drops_the_schema()
    {
        await using var env = await PgCli.CreateAsync();
        (await env.RunAsync("create", "acme")).Expect(0);

        var refused = (await env.RunAsync("delete", "acme", "--json")).Expect(2);
        Assert.Contains("--yes", refused.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.True(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(1L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.tenants WHERE slug = 'acme'"));

        (await env.RunAsync("archive", "acme", "--json")).Expect(0).Json.GetProperty("tenant").IsTenant("acme", "archived");
        Assert.Empty((await env.RunAsync("list", "--json")).Expect(0).Json.GetProperty("tenants").Slugs());
        Assert.Equal(["acme"], (await env.RunAsync("list", "--archived", "--json")).Expect(0).Json.GetProperty("tenants").Slugs());
        (await env.RunAsync("restore", "acme", "--json")).Expect(0).Json.GetProperty("tenant").IsTenant("acme");

        (await env.RunAsync("delete", "acme", "--yes", "--json")).Expect(0);
        Assert.False(await PgCli.SchemaExistsAsync(env.First, env.MainDb, "tenant_acme"));
        Assert.Equal(0L, await env.CatalogScalarAsync<long>("SELECT count(*) FROM tenancy.tenants WHERE slug = 'acme'"));
    }

    [Fact]
    public async Task Shards_lists_each_shard_with_its_tenants_and_server_version_and_exits_1_for_one_that_cannot_be_reached()
    {
        // A third shard on a port nobody listens on: an app misconfiguration, or a server that is down.
        await using var env = await PgCli.CreateAsync(o => o.AddShard("gone", "Host=127.0.0.1;Port=1;Database=nothing;Username=postgres;Timeout=3"));
        (await env.RunAsync("create", "acme")).Expect(0);
        (await env.RunAsync("create", "beta", "--shard", "s1")).Expect(0);
        (await env.RunAsync("create", "gamma", "--shard", "s1")).Expect(0);

        var result = (await env.RunWithoutMigrationsAsync("shards", "--json")).Expect(1);

        var shards = result.Json.Has("shards", JsonValueKind.Array).EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["gone", "main", "s1"], shards.Keys.Order());
        Assert.Equal((1, true, env.MainDb, env.First.Port), (shards["main"].GetProperty("tenants").GetInt32(), shards["main"].GetProperty("reachable").GetBoolean(),
            shards["main"].GetProperty("database").GetString(), shards["main"].GetProperty("port").GetInt32()));
        Assert.Equal((2, true, env.Second.Port), (shards["s1"].GetProperty("tenants").GetInt32(), shards["s1"].GetProperty("reachable").GetBoolean(), shards["s1"].GetProperty("port").GetInt32()));
        Assert.StartsWith("15", shards["s1"].Has("serverVersion", JsonValueKind.String).GetString());
        Assert.True(shards["main"].GetProperty("default").GetBoolean());
        Assert.False(shards["gone"].GetProperty("reachable").GetBoolean());
        Assert.False(string.IsNullOrEmpty(shards["gone"].Has("error", JsonValueKind.String).GetString()));
    }

    [Fact]
    public async Task Doctor_checks_each_servers_version_wal_level_pooler_and_the_connection_budget()
    {
        await using var env = await PgCli.CreateAsync();

        var healthy = (await env.RunAsync("doctor", "--json")).Expect(0).Json;

        Assert.True(healthy.Has("healthy", JsonValueKind.True).GetBoolean());
        var checks = healthy.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Contains("logical", checks["wal_level s1"].GetProperty("detail").GetString());
        Assert.Equal("ok", checks["pooler main"].GetProperty("status").GetString());
        Assert.Contains("PostgreSQL 15", checks["shard main"].GetProperty("detail").GetString());
        Assert.Equal("ok", checks[$"connections 127.0.0.1:{env.Second.Port}"].GetProperty("status").GetString());

        // The fixture's servers allow 400 connections: 300 per shard in 2 processes do not fit.
        var over = (await env.RunAsync("doctor", "--max-connections-per-shard", "300", "--processes", "2", "--json")).Expect(1).Json;
        var budget = over.GetProperty("checks").EnumerateArray().First(c => c.GetProperty("name").GetString() == $"connections 127.0.0.1:{env.First.Port}");
        Assert.Equal("failed", budget.GetProperty("status").GetString());
        Assert.Contains("600", budget.GetProperty("detail").GetString());
        Assert.Contains("MaxConnectionsPerShard", budget.GetProperty("fix").GetString());
    }

    [Fact]
    public async Task A_catalog_that_records_no_shards_is_refused_with_what_to_do()
    {
        var cluster = await Tenancy.Testing.PostgresTestCluster.SharedAsync();
        var empty = await cluster.CreateDatabaseAsync("empty");

        var result = (await Tool.RunAsync("list", "--postgres", cluster.ConnectionString(empty), "--json")).Expect(1);

        Assert.Contains("records no shards", result.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("Run the app once", result.Stderr);
    }
}
