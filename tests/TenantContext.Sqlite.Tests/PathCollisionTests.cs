using Tenancy.Sqlite.Tests.Child;

namespace Tenancy.Sqlite.Tests;

/// <summary>Issue 14 item 3: no tenant's files can be the catalog or lie in another tenant's files.</summary>
public sealed class PathCollisionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("f/{tenant}-db/x.db", "f/{tenant}")]       // tenant a-db's storage folder holds tenant a's database
    [InlineData("f/{tenant}/x.db", "f/{tenant}-files")]    // tenant b-files's database lies in tenant b's storage folder
    [InlineData("{tenant}", null)]                          // tenant a-wal's database is tenant a's log
    [InlineData("t/{tenant}", "t/{tenant}-files")]          // tenant a-files's database is tenant a's storage folder
    [InlineData("t/{tenant}.db", "t")]                      // no {tenant}: refused by the template rules
    public void Overlapping_templates_are_refused_when_configuring(string database, string? storage)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new SqliteTenantDatabases(new SqliteTenantOptions
        {
            DataRoot = _folder.Path,
            PathTemplate = database,
            StoragePathTemplate = storage,
        }));
        Assert.Contains(storage is null ? "PathTemplate" : "Template", error.Message);
    }

    [Theory]
    [InlineData("tenants/{tenant}.db", "files/{tenant}")]
    [InlineData("wikis/{tenant}/wiki.db", "wikis/{tenant}/pages")]
    [InlineData("wikis/{tenant}/wiki.db", "wikis/{tenant}")] // a tenant's database inside its own folder
    [InlineData("{tenant}.db", "{tenant}.files")]
    public void Templates_that_keep_tenants_apart_are_accepted(string database, string storage)
    {
        using var router = new SqliteTenantDatabases(new SqliteTenantOptions { DataRoot = _folder.Path, PathTemplate = database, StoragePathTemplate = storage });
        Assert.NotEqual(router.GetDatabasePath("a"), router.GetDatabasePath("b"));
    }

    [Fact]
    public async Task A_tenant_whose_database_would_be_the_catalog_is_refused_at_creation_and_on_open()
    {
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _folder.Path;
            o.PathTemplate = "{tenant}.db";
            o.CreateAnyTenantOnFirstUse = true;
            ChildSchemas.Standard(o);
        }));
        var router = configuration.GetSqlite();
        await router.Catalog.CreateAsync("acme");

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => router.Catalog.CreateAsync("platform"));
        Assert.Contains("reserved", error.Message);
        Assert.Throws<ArgumentException>(() => router.OpenConnection("platform"));
        Assert.Throws<ArgumentException>(() => router.GetDatabase("platform"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => router.Catalog.ImportAsync("platform"));

        Assert.Equal(["acme"], (await router.Catalog.ListAsync()).Select(r => r.Slug));
    }
}
