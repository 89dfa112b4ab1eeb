namespace Tenancy.Npgsql.Tests;

/// <summary>The catalog's lifecycle: records, archive across processes, delete then create, placements.</summary>
public sealed class CatalogTests
{
    [Fact]
    public async Task Create_records_the_placement_with_a_numeric_key_and_the_latest_version()
    {
        await using var env = await PgEnv.CreateAsync();
        var a = await env.Catalog.CreateAsync("acme");
        var b = await env.Catalog.CreateAsync("beta");
        Assert.Equal(("main", PostgresIsolation.Schema, "tenant_acme", env.ShardDbs[0], 1, 1L), (a.Shard, a.Isolation, a.SchemaName, a.DatabaseName, a.Version, a.Epoch));
        Assert.True(b.Key > a.Key);
        Assert.Equal(a, await env.Catalog.GetAsync("acme"));
        Assert.Equal(["acme", "beta"], (await env.Catalog.ListAsync()).Select(r => r.Slug));
        Assert.Same(env.Catalog, env.Configuration.Catalog);
        await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => env.Catalog.CreateAsync("acme"));
    }

    [Fact]
    public async Task A_catalog_database_that_does_not_exist_is_named_with_what_to_do()
    {
        // A new deployment's first mistake: it got PostgreSQL's bare 3D000 "database ... does not exist".
        await using var env = await PgEnv.CreateAsync();
        var options = new PostgresTenantOptions { Catalog = env.Cluster.ConnectionString("no_such_platform") };
        options.AddShard("main", env.Cluster.ConnectionString(env.ShardDbs[0]));
        await using var app = new PostgresTenantDatabases(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.Catalog.ListAsync());

        Assert.Contains("'no_such_platform' does not exist", error.Message);
        Assert.Contains("CREATE DATABASE", error.Message);
    }

    [Fact]
    public async Task The_catalog_records_each_shards_connection_string_without_its_password_and_the_default_shard_and_follows_a_change()
    {
        await using var env = await PgEnv.CreateAsync(); // the catalog is not used yet
        Assert.Empty(await PostgresTenantCatalog.ReadShardsAsync(env.Cluster.ConnectionString(env.CatalogDb)));

        var withPassword = new PostgresTenantOptions { Catalog = env.Cluster.ConnectionString(env.CatalogDb) };
        withPassword.AddShard("main", env.Cluster.ConnectionString(env.ShardDbs[0], "Password=s3cret"));
        withPassword.Migrations.Add(1, "init", PgEnv.PagesSql);
        await using (var app = new PostgresTenantDatabases(withPassword))
        {
            await app.Catalog.ListAsync();
        }

        var shard = Assert.Single(await PostgresTenantCatalog.ReadShardsAsync(env.Cluster.ConnectionString(env.CatalogDb)));
        Assert.Equal("main", shard.Name);
        var recorded = new global::Npgsql.NpgsqlConnectionStringBuilder(shard.ConnectionString);
        Assert.Equal((env.ShardDbs[0], env.Cluster.Port, "postgres"), (recorded.Database, recorded.Port, recorded.Username));
        Assert.Null(recorded.Password);
        Assert.True(shard.IsDefault);
        Assert.DoesNotContain("s3cret", shard.ConnectionString, StringComparison.Ordinal);

        var moved = new PostgresTenantOptions { Catalog = withPassword.Catalog };
        moved.AddShard("main", env.Cluster.ConnectionString(env.ShardDbs[0], "Application Name=next"));
        moved.AddShard("eu-2", env.Cluster.ConnectionString(env.ShardDbs[0]));
        moved.DefaultShard = "eu-2";
        await using (var app = new PostgresTenantDatabases(moved))
        {
            await app.Catalog.ListAsync();
        }

        var after = await PostgresTenantCatalog.ReadShardsAsync(withPassword.Catalog);
        Assert.Equal(["main", "eu-2"], after.Select(s => s.Name));
        Assert.Equal("next", new global::Npgsql.NpgsqlConnectionStringBuilder(after[0].ConnectionString).ApplicationName);
        Assert.Equal([false, true], after.Select(s => s.IsDefault));
    }

    [Fact]
    public async Task The_catalog_records_the_apps_settings_follows_a_change_and_ignores_a_process_that_records_nothing()
    {
        await using var env = await PgEnv.CreateAsync(o =>
        {
            o.EnforceWithRoles = true;
            o.SchemaTemplate = "site_{tenant}";
            o.Isolation = PostgresIsolation.Database;
            o.CatalogStaleness = TimeSpan.FromMilliseconds(250);
            o.TenantColumns["websites"] = "id";
        });
        var catalog = env.Cluster.ConnectionString(env.CatalogDb);
        Assert.Null(await PostgresTenantCatalog.ReadSettingsAsync(catalog)); // nothing used the catalog yet

        await env.Catalog.ListAsync();
        var first = await PostgresTenantCatalog.ReadSettingsAsync(catalog);
        Assert.NotNull(first);
        Assert.Equal((true, "site_{tenant}", PostgresIsolation.Database, TimeSpan.FromMilliseconds(250), "id"),
            (first.EnforceWithRoles, first.SchemaTemplate, first.Isolation, first.CatalogStaleness, first.TenantColumns["websites"]));
        var applied = new PostgresTenantOptions();
        first.ApplyTo(applied);
        Assert.Equal((true, "site_{tenant}", "tenant_{tenant}", 50), (applied.EnforceWithRoles, applied.SchemaTemplate, applied.DatabaseTemplate, applied.MaxConnectionsPerShard));

        await using (var tool = env.SecondRouter(o => { o.RecordInCatalog = false; o.SchemaTemplate = "other_{tenant}"; }))
        {
            await tool.Catalog.ListAsync();
        }

        Assert.Equal("site_{tenant}", (await PostgresTenantCatalog.ReadSettingsAsync(catalog))!.SchemaTemplate);

        await using (var next = env.SecondRouter(o => o.MaxConnectionsPerShard = 9))
        {
            await next.Catalog.ListAsync();
        }

        var changed = (await PostgresTenantCatalog.ReadSettingsAsync(catalog))!;
        Assert.Equal((9, false, "tenant_{tenant}"), (changed.MaxConnectionsPerShard, changed.EnforceWithRoles, changed.SchemaTemplate));
        Assert.True(changed.RecordedAt >= first.RecordedAt);
    }

    [Fact]
    public async Task A_process_starting_against_a_current_catalog_takes_no_lock_on_its_tables()
    {
        // A tenant move holds a write transaction on tenancy.tenants under its fence. A process starting meanwhile used to
        // run ALTER TABLE … ADD COLUMN IF NOT EXISTS, which waits for an exclusive lock even when the column exists, and
        // queued every catalog read behind it (1,000 clients stalled for the 120-s command timeout).
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await using var writer = new global::Npgsql.NpgsqlConnection(env.Cluster.ConnectionString(env.CatalogDb));
        await writer.OpenAsync();
        await using var open = await writer.BeginTransactionAsync();
        await writer.ExecAsync("UPDATE tenancy.tenants SET moving = moving WHERE slug = 'acme'");

        await using var starting = env.SecondRouter();
        var listed = await starting.Catalog.ListAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["acme"], listed.Select(r => r.Slug));
        Assert.Equal(CurrentLayout, await LayoutAsync(env));
    }

    [Fact]
    public async Task A_catalog_of_an_older_layout_is_completed_once_and_a_newer_layout_is_never_lowered()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("acme");
        await env.Cluster.ExecuteAsync("COMMENT ON SCHEMA tenancy IS NULL; DROP TABLE tenancy.settings; ALTER TABLE tenancy.tenants DROP COLUMN moving", env.CatalogDb);

        await using (var older = env.SecondRouter())
        {
            Assert.Equal("acme", Assert.Single(await older.Catalog.ListAsync()).Slug);
        }

        Assert.Equal(CurrentLayout, await LayoutAsync(env));
        Assert.True(await env.Cluster.ScalarAsync<bool>("SELECT to_regclass('tenancy.settings') IS NOT NULL", env.CatalogDb));
        Assert.False(await env.Cluster.ScalarAsync<bool>("SELECT moving FROM tenancy.tenants WHERE slug = 'acme'", env.CatalogDb));

        await env.Cluster.ExecuteAsync("COMMENT ON SCHEMA tenancy IS 'TenantContext tenant catalog, layout 99'", env.CatalogDb);
        await using (var newer = env.SecondRouter())
        {
            Assert.Equal("acme", Assert.Single(await newer.Catalog.ListAsync()).Slug);
        }

        Assert.Equal(99, await LayoutAsync(env));
    }

    /// <summary>The catalog layout this version records (PostgresTenantCatalog.Layout).</summary>
    private const int CurrentLayout = 1;

    private static async Task<int> LayoutAsync(PgEnv env) => int.Parse(
        (await env.Cluster.ScalarAsync<string>("SELECT obj_description('tenancy'::regnamespace, 'pg_namespace')", env.CatalogDb))["TenantContext tenant catalog, layout ".Length..],
        System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_archive_by_another_process_stops_new_connections_here()
    {
        await using var env = await PgEnv.CreateAsync(o => o.CatalogStaleness = TimeSpan.Zero);
        await env.Catalog.CreateAsync("acme");
        var db = env.Router.GetDatabase("acme");
        (await db.OpenConnectionAsync()).Dispose();

        await using (var otherProcess = env.SecondRouter())
        {
            await otherProcess.Catalog.ArchiveAsync("acme");
        }

        var ex = await Assert.ThrowsAsync<TenantUnavailableException>(async () => await db.OpenConnectionAsync());
        Assert.Equal(TenantUnavailableReason.Archived, ex.Reason);
        Assert.Contains("RestoreAsync", ex.Message);

        await env.Catalog.RestoreAsync("acme");
        (await db.OpenConnectionAsync()).Dispose();
    }

    [Fact]
    public async Task An_archive_in_this_process_applies_at_once_even_with_a_stale_window()
    {
        await using var env = await PgEnv.CreateAsync(o => o.CatalogStaleness = TimeSpan.FromHours(1));
        await env.Catalog.CreateAsync("acme");
        using var _ = TenantContext.UseConfiguration(env.Configuration);
        using (TenantContext.Enter("acme"))
        {
            (await TenantContext.GetDb().OpenConnectionAsync()).Dispose();
        }

        await env.Catalog.ArchiveAsync("acme");
        var ex = Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("acme"));
        Assert.Equal(TenantUnavailableReason.Archived, ex.Reason);
    }

    [Theory]
    [InlineData(false, "left-over")]
    [InlineData(true, "left-role")]
    public async Task A_schema_left_by_an_interrupted_create_is_named_with_what_removes_it_and_nothing_is_dropped(bool roles, string tenant)
    {
        // What a create killed after making the schema (and its role) but before writing the catalog row leaves behind.
        await using var env = await PgEnv.CreateAsync(o => o.EnforceWithRoles = roles);
        var schema = $"\"tenant_{tenant}\"";
        await env.ExecuteAsync((roles ? $"CREATE ROLE {schema} NOLOGIN; CREATE SCHEMA {schema} AUTHORIZATION {schema}" : $"CREATE SCHEMA {schema}") +
            $"; CREATE TABLE {schema}.keep (x int); INSERT INTO {schema}.keep VALUES (1)");

        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => env.Catalog.CreateAsync(tenant));

        Assert.DoesNotContain("DeleteAsync", error.Message); // it removes nothing of a tenant the catalog does not hold
        Assert.Contains("Nothing was changed", error.Message);
        Assert.False(await env.Catalog.DeleteAsync(tenant));
        Assert.Equal(1, await env.ScalarAsync<int>($"SELECT x FROM {schema}.keep"));
        Assert.Null(await env.Catalog.GetAsync(tenant));

        // The statement the message names removes the leftover, and the tenant can then be created.
        var sql = System.Text.RegularExpressions.Regex.Match(error.Message, "run `([^`]+)`").Groups[1].Value;
        await env.ExecuteAsync(sql);
        Assert.Equal(1, (await env.Catalog.CreateAsync(tenant)).Version);
    }

    [Fact]
    public async Task A_schema_of_another_catalogued_tenant_is_never_offered_for_dropping()
    {
        // An older SchemaTemplate ("{tenant}") made tenant "tenant_x"'s schema "tenant_x"; today's template would give tenant "x" the same name.
        await using var env = await PgEnv.CreateAsync(o => o.SchemaTemplate = "{tenant}");
        await env.Catalog.CreateAsync("tenant_x");
        await using var today = env.SecondRouter();

        var error = await Assert.ThrowsAsync<TenantAlreadyExistsException>(() => today.Catalog.CreateAsync("x"));

        Assert.Contains("tenant 'tenant_x'", error.Message);
        Assert.DoesNotContain("DROP", error.Message);
    }

    [Fact]
    public async Task A_deleted_tenant_leaves_nothing_a_later_tenant_of_the_same_name_inherits()
    {
        await using var env = await PgEnv.CreateAsync(o => o.CatalogStaleness = TimeSpan.Zero);
        var first = await env.Catalog.CreateAsync("acme");
        await using (var c = await env.Router.GetDatabase("acme").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'old')");
        }

        Assert.True(await env.Catalog.DeleteAsync("acme"));
        Assert.Null(await env.Catalog.GetAsync("acme"));
        Assert.Equal(0L, await env.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'"));
        Assert.False(await env.Catalog.DeleteAsync("acme"));

        var second = await env.Catalog.CreateAsync("acme");
        Assert.NotEqual(first.Key, second.Key);
        await using var fresh = await env.Router.GetDatabase("acme").OpenConnectionAsync();
        Assert.Equal(0L, await fresh.ScalarAsync<long>("SELECT count(*) FROM pages"));
    }

    [Fact]
    public async Task A_deleted_tenant_cannot_be_opened_by_a_database_object_handed_out_before()
    {
        await using var env = await PgEnv.CreateAsync(o => o.CatalogStaleness = TimeSpan.Zero);
        await env.Catalog.CreateAsync("acme");
        var db = env.Router.GetDatabase("acme");
        (await db.OpenConnectionAsync()).Dispose();
        await env.Catalog.DeleteAsync("acme");
        var ex = await Assert.ThrowsAsync<TenantUnavailableException>(async () => await db.OpenConnectionAsync());
        Assert.Equal(TenantUnavailableReason.NotFound, ex.Reason);
    }

    [Fact]
    public async Task A_tenant_created_from_a_template_gets_its_rows()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("template");
        await using (var c = await env.Router.GetDatabase("template").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO pages VALUES (1, 'welcome'), (2, 'about')");
        }

        var copy = await env.Catalog.CreateAsync("copy", fromTemplate: "template");
        Assert.Equal("template", copy.Template);
        await using var d = await env.Router.GetDatabase("copy").OpenConnectionAsync();
        Assert.Equal(2L, await d.ScalarAsync<long>("SELECT count(*) FROM pages"));
    }

    [Fact]
    public async Task Check_reports_drift_a_missing_schema_and_a_tenant_behind_while_healthy_tenants_pass()
    {
        await using var env = await PgEnv.CreateAsync();
        foreach (var t in new[] { "a", "b", "c", "drifted", "lost" })
        {
            await env.Catalog.CreateAsync(t);
        }

        await env.ExecuteAsync("ALTER TABLE tenant_drifted.pages ADD COLUMN hand_made int");
        await env.ExecuteAsync("DROP SCHEMA tenant_lost CASCADE");
        await using var v2 = env.SecondRouter(o => o.Migrations.Add(2, "more", "CREATE TABLE more (id int)"));
        await v2.Catalog.MigrateAllAsync();
        await env.ExecuteAsync("DELETE FROM tenant_c.tenancy_migrations WHERE version = 2; DROP TABLE tenant_c.more");

        var check = (await v2.Catalog.CheckAsync()).ToDictionary(c => c.Slug);
        Assert.True(check["a"].Healthy, string.Join(" ", check["a"].Problems));
        Assert.True(check["b"].Healthy);
        Assert.Contains(check["drifted"].Problems, p => p.Contains("drift"));
        Assert.Contains(check["lost"].Problems, p => p.Contains("missing"));
        Assert.Contains(check["c"].Problems, p => p.Contains("behind"));
        Assert.Null(check["lost"].TenantVersion);
    }

    [Fact]
    public async Task Stats_reports_tables_size_rows_and_version_per_tenant()
    {
        await using var env = await PgEnv.CreateAsync();
        await env.Catalog.CreateAsync("a");
        await env.Catalog.CreateAsync("b");
        await env.ExecuteAsync("INSERT INTO tenant_a.pages SELECT i, 'x' FROM generate_series(1, 500) i; ANALYZE tenant_a.pages");
        var stats = (await env.Catalog.StatsAsync()).ToDictionary(s => s.Slug);
        Assert.Equal((1, 1), (stats["a"].Tables, stats["a"].Version));
        Assert.Equal(500L, stats["a"].RowsEstimate);
        Assert.True(stats["a"].SizeBytes > stats["b"].SizeBytes);
    }
}
