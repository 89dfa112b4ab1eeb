namespace Tenancy.Sqlite.Tests;

public sealed class BoundsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private int OpenFilesUnderDataRoot()
    {
        int count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                // The shared change counters (platform.db-generations) are one mapped file per data root, not a tenant's.
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(_folder.Path, StringComparison.Ordinal) && !target.EndsWith("-generations", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // the descriptor closed while we looked
            }
        }

        return count;
    }

    [Fact]
    public void Rotating_through_many_tenants_keeps_at_most_MaxOpenTenants_holding_connections()
    {
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Path, o =>
        {
            o.MaxOpenTenants = 8;
            o.Migrations.Add(1, "init", "CREATE TABLE t (x INTEGER);");
        }));
        int maxOpen = 0;
        for (int i = 0; i < 60; i++)
        {
            using (var connection = router.OpenConnection($"t{i}"))
            {
                Db.Exec(connection, "INSERT INTO t VALUES (1);");
            }

            maxOpen = Math.Max(maxOpen, router.OpenTenantCount);
        }

        Assert.InRange(maxOpen, 1, 8);
        // each tenant holds up to 3 descriptors (database, -wal, -shm)
        Assert.InRange(OpenFilesUnderDataRoot(), 1, 3 * 8);
    }

    [Fact]
    public void The_most_recently_used_tenants_keep_their_pools()
    {
        using var router = new SqliteTenantDatabases(Db.Options(_folder.Path, o => o.MaxOpenTenants = 4));
        for (int i = 0; i < 20; i++)
        {
            router.OpenConnection("hot").Dispose();
            router.OpenConnection($"cold{i}").Dispose();
        }

        var hot = router.GetDatabasePath("hot");
        Assert.Contains(Directory.EnumerateFileSystemEntries("/proc/self/fd"), fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == hot;
            }
            catch (IOException)
            {
                return false;
            }
        });
    }

    [Fact]
    public void Disposing_the_configuration_closes_every_tenant_file()
    {
        var configuration = TenantConfiguration.Build(b => b.UseSqlite(o => { o.DataRoot = _folder.Path; o.CreateAnyTenantOnFirstUse = true; }));
        for (int i = 0; i < 5; i++)
        {
            configuration.GetSqlite().OpenConnection($"t{i}").Dispose();
        }

        Assert.True(OpenFilesUnderDataRoot() > 0);
        configuration.Dispose();
        Assert.Equal(0, OpenFilesUnderDataRoot());
    }
}
