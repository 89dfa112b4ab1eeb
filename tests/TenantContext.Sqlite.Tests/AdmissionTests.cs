using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Issue 14 item 5: without a catalog, resolution is closed unless an option opens it; the router's memory stays bounded.</summary>
public sealed class AdmissionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Without_the_catalog_an_unknown_tenant_is_refused_and_gets_no_file_unless_creation_on_first_use_is_opened()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            ChildSchemas.Standard(o);
        }));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("stranger"))
        {
            var error = Assert.Throws<TenantUnavailableException>(() => TenantContext.GetDb().OpenConnection());
            Assert.Equal(TenantUnavailableReason.NotFound, error.Reason);
            Assert.Contains("CreateAnyTenantOnFirstUse", error.Message);
            Assert.Contains("CreateAsync(\"stranger\")", error.Message);
        }

        Assert.False(File.Exists(configuration.GetSqlite().GetDatabasePath("stranger")));
    }

    [Fact]
    public async Task Without_the_catalog_a_tenant_whose_file_exists_is_served()
    {
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Path, o =>
        {
            o.CreateAnyTenantOnFirstUse = false;
            ChildSchemas.Standard(o);
        }));
        await router.MigrateAsync("known", create: true);
        using var connection = router.OpenConnection("known");
        Assert.Equal(3L, Db.Long(connection, "PRAGMA user_version;"));
    }

    [Fact]
    public void UseCatalog_and_CreateAnyTenantOnFirstUse_together_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.UseCatalog = true)));
        Assert.Contains("contradict", error.Message);
    }

    [Fact]
    public void The_routers_tenant_table_stays_bounded_when_strangers_try_thousands_of_names()
    {
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Path, o =>
        {
            o.CreateAnyTenantOnFirstUse = false;
            o.MaxOpenTenants = 4;
        }));
        for (int i = 0; i < 2000; i++)
        {
            Assert.Throws<TenantUnavailableException>(() => router.OpenConnection($"guess-{i}"));
        }

        Assert.InRange(router.KnownTenantCount, 0, 4 * 4 + 64);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.db", SearchOption.AllDirectories));
    }
}
