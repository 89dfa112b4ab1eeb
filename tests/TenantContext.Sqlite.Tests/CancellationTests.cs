using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Issue 14 item 11: blocking SQLite work leaves the caller's thread, and cancellation is honoured between steps and tenants.</summary>
public sealed class CancellationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task MigrateAsync_returns_to_the_caller_while_a_step_is_still_running()
    {
        using var gate = new ManualResetEventSlim();
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.Migrations.Add(1, "slow", (c, t) =>
        {
            if (!gate.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("the caller never got its task back");
            }
        })));

        // The call itself must not block (it used to run every step before returning a completed task).
        var call = Task.Factory.StartNew(() => router.MigrateAsync("acme"), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
        var migration = await call.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(migration.IsCompleted);
        gate.Set();
        Assert.Equal((0, 1), await migration);
    }

    [Fact]
    public async Task MigrateAsync_stops_between_steps_when_cancelled_and_keeps_the_finished_ones()
    {
        using var cancel = new CancellationTokenSource();
        using var later = new SqliteTenantDatabases(Db.Options(_folder.Path, o =>
        {
            o.Migrations.Add(1, "one", "CREATE TABLE a (x);");
            o.Migrations.Add(2, "two", (c, t) => cancel.Cancel());
            o.Migrations.Add(3, "three", "CREATE TABLE c (x);");
        }));
        using (var v1 = new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.Migrations.Add(1, "one", "CREATE TABLE a (x);"))))
        {
            await v1.MigrateAsync("acme", create: true);
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => later.MigrateAsync("acme", cancellationToken: cancel.Token));
        Assert.Equal(2L, Db.FileLong(later.GetDatabasePath("acme"), "PRAGMA user_version;"));
    }

    [Fact]
    public async Task MigrateAll_stops_starting_tenants_and_steps_once_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var root = _folder.Path;
        using (var v1 = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = root, UseCatalog = true }.Also(o => o.Migrations.Add(1, "init", ChildSchemas.InitSql))))
        {
            for (int i = 0; i < 6; i++)
            {
                await v1.Catalog.CreateAsync($"t{i}");
            }
        }

        using var v3 = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = root, UseCatalog = true }.Also(o =>
        {
            o.Migrations.Add(1, "init", ChildSchemas.InitSql);
            o.Migrations.Add(2, "cancel", (c, t) => cancel.Cancel());
            o.Migrations.Add(3, "after", "CREATE TABLE after_cancel (x);");
        }));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => v3.Catalog.MigrateAllAsync(parallelism: 1, cancellationToken: cancel.Token));
        var versions = Enumerable.Range(0, 6).Select(i => Db.FileLong(v3.GetDatabasePath($"t{i}"), "PRAGMA user_version;")).ToArray();
        Assert.Equal(2L, versions[0]);               // the step that was running finished; the next never started
        Assert.All(versions.Skip(1), v => Assert.Equal(1L, v)); // no tenant was started after the cancellation
    }
}
