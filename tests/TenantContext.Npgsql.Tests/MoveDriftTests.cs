using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// A move builds its target from the migrations: a table or column the tenant got outside them has nowhere to go. It is
/// named before anything is copied, and the tenant keeps serving from its source with that data.
/// </summary>
public sealed class MoveDriftTests
{
    [Theory]
    [InlineData(TenantMoveMode.Online, "CREATE TABLE \"tenant_drift\".notes (id int PRIMARY KEY, body text); INSERT INTO \"tenant_drift\".notes VALUES (1, 'only here')", "table \"notes\"")]
    [InlineData(TenantMoveMode.Offline, "CREATE TABLE \"tenant_drift\".notes (id int PRIMARY KEY, body text); INSERT INTO \"tenant_drift\".notes VALUES (1, 'only here')", "table \"notes\"")]
    [InlineData(TenantMoveMode.Offline, "ALTER TABLE \"tenant_drift\".pages ADD COLUMN extra text DEFAULT 'only here'", "column \"pages\".\"extra\"")]
    public async Task Data_outside_the_migrations_is_named_and_nothing_moves(TenantMoveMode mode, string drift, string named)
    {
        await using var env = await MoveEnv.CreateAsync();
        await env.CreateWithDataAsync("drift", pages: 3);
        await env.First.ExecuteAsync(drift, env.MainDb);

        var error = await Assert.ThrowsAsync<PostgresTenantException>(() => env.Catalog.MoveAsync("drift", "s1", options: new TenantMoveOptions { Mode = mode }));

        Assert.Contains(named, error.Message);
        Assert.Contains("migration", error.Message);
        var record = (await env.Catalog.GetAsync("drift"))!;
        Assert.Equal(("main", 1L, false), (record.Shard, record.Epoch, record.IsMoving));
        Assert.False(await MoveEnv.SchemaExistsAsync(env.Second, env.S1Db, "tenant_drift"));
        Assert.Equal(0L, await env.MoveRowsAsync());
        Assert.Equal(0L, await env.ReplicationLeftoversAsync());
        Assert.Equal(3L, await env.First.ScalarAsync<long>("SELECT count(*) FROM \"tenant_drift\".pages", env.MainDb));
        Assert.Equal(1L, await env.First.ScalarAsync<long>(drift.StartsWith("CREATE", StringComparison.Ordinal)
            ? "SELECT count(*) FROM \"tenant_drift\".notes" : "SELECT count(*) FROM \"tenant_drift\".pages WHERE extra = 'only here' AND id = 1", env.MainDb));
    }
}
