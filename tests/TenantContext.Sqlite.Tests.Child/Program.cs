using Tenancy;
using Tenancy.Sqlite;
using Tenancy.Sqlite.Tests.Child;

// Usage (all paths absolute):
//   create <dataRoot> <tenant> <stepDelayMs>     open the tenant (create + migrate), print "done <version>"
//   create-stall <dataRoot> <tenant>              stall forever halfway through step 2 after printing "in-step"
//   migrate-all <dataRoot> <stepDelayMs>          MigrateAllAsync (parallelism 1), print "progress N" per tenant
//   split <dataRoot> <source> <table,...>         SplitSharedDatabaseAsync on column tenant_id, print "progress N" per tenant
//   archive <dataRoot> <tenant>                   TenantCatalog.ArchiveAsync, print "done"
//   migrate-newer <dataRoot> <tenant>             open the tenant with a release that has a step 4, print "done <version>"
//   delete-stall <dataRoot> <tenant>              TenantCatalog.DeleteAsync, held just before the database file itself is deleted
//   create-template-stall <dataRoot> <tenant> <template> <step>
//                                                 TenantCatalog.CreateAsync(tenant, template), held at its first durable-files step named <step>
var command = args[0];
var dataRoot = args[1];
int delay = 0;

void Configure(SqliteTenantOptions o, bool stall)
{
    o.DataRoot = dataRoot;
    o.CreateAnyTenantOnFirstUse = true;
    ChildSchemas.Standard(o, _ =>
    {
        if (stall)
        {
            Console.Out.WriteLine("in-step");
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
        }

        if (delay > 0)
        {
            Thread.Sleep(delay);
        }
    });
}

try
{
switch (command)
{
    case "create":
    {
        delay = int.Parse(args[3]);
        using var configuration = TenantConfiguration.Build(b => b.UseSqlite(o => Configure(o, stall: false)));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter(args[2]))
        using (var connection = TenantContext.GetDb().OpenConnection())
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA user_version;";
            Console.WriteLine($"done {cmd.ExecuteScalar()}");
        }

        return 0;
    }

    case "create-stall":
    {
        using var router = new SqliteTenantDatabases(Options(o => Configure(o, stall: true)));
        using var connection = router.OpenConnection(args[2]);
        return 3; // never reached: the parent kills this process while it stalls
    }

    case "migrate-all":
    {
        delay = int.Parse(args[2]);
        using var router = new SqliteTenantDatabases(Options(o => Configure(o, stall: false)));
        var report = await router.Catalog.MigrateAllAsync(parallelism: 1, progress: new LineProgress<TenantMigrationProgress>(p => p.Completed, stallAt: 4)); // held midway until killed
        Console.WriteLine($"done {report.Succeeded}");
        return 0;
    }

    case "split":
    {
        using var router = new SqliteTenantDatabases(Options(o => o.DataRoot = dataRoot));
        var report = await router.Catalog.SplitSharedDatabaseAsync(args[2], "tenant_id", args[3].Split(','),
            progress: new LineProgress<TenantSplitProgress>(p => p.Completed, stallAt: 5)); // held midway until killed
        Console.WriteLine($"done {report.Tenants.Count}");
        return 0;
    }

    case "archive":
    {
        using var router = new SqliteTenantDatabases(Options(o => Configure(o, stall: false)));
        await router.Catalog.ArchiveAsync(args[2]);
        Console.WriteLine("done");
        return 0;
    }

    case "migrate-newer":
    {
        using var router = new SqliteTenantDatabases(Options(o =>
        {
            Configure(o, stall: false);
            o.Migrations.Add(4, "newer", "CREATE TABLE newer (x INTEGER);");
        }));
        using var connection = router.OpenConnection(args[2]);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA user_version;";
        Console.WriteLine($"done {cmd.ExecuteScalar()}");
        return 0;
    }

    case "create-template-stall":
    {
        using var router = new SqliteTenantDatabases(Options(o =>
        {
            Configure(o, stall: false);
            o.CreateAnyTenantOnFirstUse = false;
            o.UseCatalog = true;
        }));
        var target = router.GetDatabasePath(args[2]);
        var stallAt = args[4];
        DurableFiles.Observer = (step, path) =>
        {
            if (step == stallAt && (path.StartsWith(target, StringComparison.Ordinal) || path == Path.GetDirectoryName(target)))
            {
                Console.Out.WriteLine($"stalled {step}");
                Console.Out.Flush();
                Thread.Sleep(Timeout.Infinite); // the parent kills this process here
            }
        };
        await router.Catalog.CreateAsync(args[2], args[3]);
        Console.WriteLine("done");
        return 0;
    }

    case "delete-stall":
    {
        using var router = new SqliteTenantDatabases(Options(o => Configure(o, stall: false)));
        var database = router.GetDatabasePath(args[2]);
        DurableFiles.Observer = (step, path) =>
        {
            if (step == "delete" && path == database)
            {
                Console.Out.WriteLine("deleting-database");
                Console.Out.Flush();
                Thread.Sleep(Timeout.Infinite); // the parent kills this process here: the log files are gone, the database is not
            }
        };
        await router.Catalog.DeleteAsync(args[2]);
        return 3; // never reached
    }

    default:
        Console.Error.WriteLine($"unknown command {command}");
        return 2;
}
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex.ToString());
    return 1;
}

static SqliteTenantOptions Options(Action<SqliteTenantOptions> configure)
{
    var options = new SqliteTenantOptions();
    configure(options);
    return options;
}

/// <summary>Prints "progress N" synchronously, so the parent sees each step as it happens.</summary>
sealed class LineProgress<T>(Func<T, int> completed, int stallAt = int.MaxValue) : IProgress<T>
{
    public void Report(T value)
    {
        int n = completed(value);
        Console.Out.WriteLine($"progress {n}");
        Console.Out.Flush();
        if (n >= stallAt)
        {
            // Hold the work midway so the parent's SIGKILL lands before the rest is done, however fast the machine is.
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
