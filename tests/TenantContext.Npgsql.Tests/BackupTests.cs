using Npgsql;

namespace Tenancy.Npgsql.Tests;

/// <summary>The catalog's backup and restore: a restore is all or nothing.</summary>
public sealed class BackupTests
{
    [Theory]
    [InlineData(PostgresIsolation.Schema)]
    [InlineData(PostgresIsolation.Database)]
    public async Task A_restore_cancelled_after_its_rows_are_loaded_leaves_nothing_behind(PostgresIsolation isolation)
    {
        await using var env = await PgEnv.CreateAsync();
        var original = "o" + Guid.NewGuid().ToString("N")[..8];
        var copy = "c" + Guid.NewGuid().ToString("N")[..8];
        await env.Catalog.CreateAsync(original, isolation: isolation);
        await using (var connection = await env.Router.GetDatabase(original).OpenConnectionAsync())
        await using (var insert = new NpgsqlCommand("INSERT INTO pages SELECT i, 'page ' || i FROM generate_series(1, 50) i", connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        using var backup = new MemoryStream();
        var manifest = await env.Catalog.BackupAsync(original, backup);
        Assert.Equal((1, 50L), (manifest.Version, manifest.Rows));

        // A newer app whose step 2 is where the interrupt lands: after the rows were loaded and verified, before the commit.
        using var interrupt = new CancellationTokenSource();
        await using var newer = env.SecondRouter(o => o.Migrations.Add(2, "interrupted here", async (c, t, ct) =>
        {
            await interrupt.CancelAsync();
            await using var command = new NpgsqlCommand("SELECT 1", c, t);
            await command.ExecuteNonQueryAsync(ct);
        }));
        backup.Position = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => newer.Catalog.RestoreBackupAsync(copy, backup, cancellationToken: interrupt.Token));

        Assert.Null(await newer.Catalog.GetAsync(copy));
        Assert.False(await env.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'tenant_{copy}')"));
        Assert.False(await env.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'tenant_{copy}')"));

        backup.Position = 0;
        var restored = await env.Catalog.RestoreBackupAsync(copy, backup); // the same file, uninterrupted
        Assert.Equal((isolation, 1, false), (restored.Tenant.Isolation, restored.Tenant.Version, restored.Replaced));
        await using var check = await env.Router.GetDatabase(copy).OpenConnectionAsync();
        Assert.Equal(50L, await check.ScalarAsync<long>("SELECT count(*) FROM pages"));
    }
}
