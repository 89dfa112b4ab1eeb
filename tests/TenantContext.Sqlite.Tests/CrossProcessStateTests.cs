using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Issue 14 item 4: archive and schema changes made by another process are seen at the next open, warm or not.</summary>
public sealed class CrossProcessStateTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SqliteTenantDatabases Router(bool useCatalog = false) => new(new SqliteTenantOptions
    {
        DataRoot = _folder.Path,
        UseCatalog = useCatalog,
        CreateAnyTenantOnFirstUse = !useCatalog,
    }.Also(o => ChildSchemas.Standard(o)));

    private async Task RunChild(params string[] args)
    {
        using var child = ChildProcess.Start(args);
        var result = await child.WaitAsync(Timeout);
        Assert.True(result.ExitCode == 0, result.Error);
    }

    [Fact]
    public async Task A_tenant_archived_by_another_process_is_refused_here_even_when_warm()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.UseCatalog = true;
            ChildSchemas.Standard(o);
        }));
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");
        using (TenantContext.UseConfiguration(configuration))
        {
            var db = TenantContext.Run("acme", () =>
            {
                TenantContext.GetDb().OpenConnection().Dispose(); // warm
                return TenantContext.GetDb();
            });

            await RunChild("archive", _folder.Path, "acme");

            var error = Assert.Throws<TenantUnavailableException>(() => db.OpenConnection());
            Assert.Equal(TenantUnavailableReason.Archived, error.Reason);
            Assert.Equal(TenantUnavailableReason.Archived, Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("acme")).Reason);
        }
    }

    [Fact]
    public async Task A_router_without_UseCatalog_refuses_a_tenant_the_catalog_lists_as_archived()
    {
        using (var catalogued = Router(useCatalog: true))
        {
            await catalogued.Catalog.CreateAsync("acme");
            await catalogued.Catalog.ArchiveAsync("acme");
        }

        using var restarted = Router(useCatalog: false);
        Assert.Equal(TenantUnavailableReason.Archived, Assert.Throws<TenantUnavailableException>(() => restarted.OpenConnection("acme")).Reason);
        await restarted.Catalog.RestoreAsync("acme");
        restarted.OpenConnection("acme").Dispose();
    }

    [Fact]
    public async Task A_newer_schema_written_by_another_process_is_refused_at_the_next_warm_open()
    {
        using var router = Router();
        router.OpenConnection("acme").Dispose(); // warm at version 3

        await RunChild("migrate-newer", _folder.Path, "acme");

        var error = Assert.Throws<TenantDatabaseVersionException>(() => router.OpenConnection("acme"));
        Assert.Equal(4, error.FileVersion);
        Assert.Equal(3, error.SupportedVersion);
    }

    [Fact]
    public async Task A_restore_by_another_router_lets_a_warm_database_object_open_again()
    {
        using var first = Router(useCatalog: true);
        using var second = Router(useCatalog: true);
        await first.Catalog.CreateAsync("acme");
        var db = first.GetDatabase("acme");
        db.OpenConnection().Dispose();
        await second.Catalog.ArchiveAsync("acme");
        Assert.Throws<TenantUnavailableException>(() => db.OpenConnection());
        await second.Catalog.RestoreAsync("acme");
        db.OpenConnection().Dispose();
    }
}
