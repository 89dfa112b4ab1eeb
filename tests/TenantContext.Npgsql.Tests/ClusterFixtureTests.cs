using Npgsql;
using Tenancy.Testing;

namespace Tenancy.Npgsql.Tests;

/// <summary>The shared test fixture: a real server with what the tenant-move work needs.</summary>
public sealed class ClusterFixtureTests
{
    [Fact]
    public async Task The_shared_cluster_is_a_real_server_with_logical_replication_on_loopback()
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        Assert.Equal("logical", await cluster.ScalarAsync<string>("SHOW wal_level"));
        Assert.Equal("127.0.0.1", await cluster.ScalarAsync<string>("SHOW listen_addresses"));
        Assert.Same(cluster, await PostgresTestCluster.SharedAsync());
    }

    [Fact]
    public async Task Databases_created_by_the_fixture_are_new_and_distinct()
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        var a = await cluster.CreateDatabaseAsync("fx");
        var b = await cluster.CreateDatabaseAsync("fx");
        Assert.NotEqual(a, b);
        await using var c = new NpgsqlConnection(cluster.ConnectionString(a));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", c);
        Assert.Equal(0L, await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_second_cluster_is_a_different_server()
    {
        var first = await PostgresTestCluster.SharedAsync();
        var second = await PostgresTestCluster.SharedAsync(1);
        Assert.NotEqual(first.Port, second.Port);
        Assert.NotEqual(
            await first.ScalarAsync<string>("SELECT system_identifier::text FROM pg_control_system()"),
            await second.ScalarAsync<string>("SELECT system_identifier::text FROM pg_control_system()"));
    }
}
