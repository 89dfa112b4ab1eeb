using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// Large objects live outside the tables that name them (<c>pg_largeobject</c>, one per database): a move copies and
/// verifies tables, so a tenant whose tables reference large objects is refused before anything changes, instead of
/// arriving with the same oids (the verification passes) and its large objects left behind or dropped with the source.
/// A backup, which holds tables only, refuses such a tenant the same way.
/// </summary>
public sealed class MoveLargeObjectTests
{
    private static void Steps(PostgresTenantOptions o) => o.Migrations
        .Add(1, "files", "CREATE TABLE files (id bigint PRIMARY KEY, content oid)");

    [Theory]
    [InlineData(PostgresIsolation.Schema, "lo-schema")]
    [InlineData(PostgresIsolation.Database, "lo-database")]
    public async Task A_tenant_whose_tables_reference_large_objects_is_refused_and_keeps_them(PostgresIsolation isolation, string tenant)
    {
        await using var env = await MoveEnv.CreateAsync(steps: Steps);
        await env.Catalog.CreateAsync(tenant, "main", isolation);
        await using (var c = await env.Router.GetDatabase(tenant).OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO files VALUES (1, lo_from_bytea(0, 'hello'::bytea)), (2, NULL)");
        }

        var dry = await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.MoveAsync(tenant, "s1", options: new TenantMoveOptions { DryRun = true }));
        var ex = await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.MoveAsync(tenant, "s1"));

        Assert.Equal(dry.Message, ex.Message);
        Assert.Contains("large object", ex.Message);
        Assert.Contains("\"files\".\"content\"", ex.Message);
        Assert.Contains("Nothing was changed", ex.Message);
        var record = (await env.Catalog.GetAsync(tenant))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.Equal(0L, await env.MoveRowsAsync());
        await using var after = await env.Router.GetDatabase(tenant).OpenConnectionAsync();
        Assert.Equal("hello", await after.ScalarAsync<string>("SELECT convert_from(lo_get(content), 'UTF8') FROM files WHERE id = 1"));
    }

    [Fact]
    public async Task A_tenant_whose_tables_reference_large_objects_is_not_backed_up()
    {
        await using var env = await MoveEnv.CreateAsync(steps: Steps);
        await env.Catalog.CreateAsync("lo-backup", "main");
        await using (var c = await env.Router.GetDatabase("lo-backup").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO files VALUES (1, lo_from_bytea(0, 'hello'::bytea))");
        }

        using var destination = new MemoryStream();
        var ex = await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.BackupAsync("lo-backup", destination));

        Assert.Contains("large object", ex.Message);
        Assert.Contains("\"files\".\"content\"", ex.Message);
        Assert.Contains("Nothing was written", ex.Message);
        Assert.Equal(0L, destination.Length);
        await using var after = await env.Router.GetDatabase("lo-backup").OpenConnectionAsync();
        Assert.Equal("hello", await after.ScalarAsync<string>("SELECT convert_from(lo_get(content), 'UTF8') FROM files WHERE id = 1"));
    }

    [Fact]
    public async Task A_tenant_whose_oid_columns_name_no_large_object_moves()
    {
        await using var env = await MoveEnv.CreateAsync(steps: Steps);
        await env.Catalog.CreateAsync("lo-none", "main");
        await using (var c = await env.Router.GetDatabase("lo-none").OpenConnectionAsync())
        {
            await c.ExecAsync("INSERT INTO files VALUES (1, 123456), (2, NULL)"); // an oid, not a large object's
        }

        var report = await env.Catalog.MoveAsync("lo-none", "s1");

        Assert.Equal(2L, Assert.Single(report.Tables).Rows);
        Assert.Equal("s1", (await env.Catalog.GetAsync("lo-none"))!.Shard);
    }
}
