using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Data.Sqlite;

namespace Tenancy.Benchmarks;

/// <summary>
/// Another build of <c>TenantContext.Sqlite</c> (for example main's, before a change) loaded beside this one, so a SQLite
/// figure and its "before" are taken in the same process and the same run (<c>--sqlite-baseline DIR</c>, passed to the
/// benchmark processes as <see cref="DirectoryVariable"/>). DIR holds that build's <c>TenantContext.dll</c> and
/// <c>TenantContext.Sqlite.dll</c>; they load into an <see cref="AssemblyLoadContext"/> of their own, and everything else
/// (Microsoft.Data.Sqlite, the native SQLite) is shared with this build. The baseline is driven through its public API
/// only, by reflection once, then through delegates.
/// </summary>
internal sealed class SqliteBaselineBuild
{
    /// <summary>The environment variable that carries <c>--sqlite-baseline DIR</c> to the benchmark processes.</summary>
    internal const string DirectoryVariable = "TC_SQLITE_BASELINE_DIR";

    private static SqliteBaselineBuild? s_loaded;
    private readonly Assembly _sqlite;

    private SqliteBaselineBuild(Assembly sqlite) => _sqlite = sqlite;

    /// <summary>Whether a baseline build was given.</summary>
    internal static bool Configured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DirectoryVariable));

    /// <summary>The build in <see cref="DirectoryVariable"/>, loaded once per process.</summary>
    internal static SqliteBaselineBuild Load()
    {
        if (s_loaded is not null)
        {
            return s_loaded;
        }

        var directory = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(directory))
        {
            throw new InvalidOperationException(
                "The SQLite baseline benchmarks need another build of TenantContext.Sqlite: run them with --sqlite-baseline DIR " +
                "(the bin folder of that build, holding TenantContext.dll and TenantContext.Sqlite.dll).");
        }

        directory = Path.GetFullPath(directory);
        foreach (var name in new[] { "TenantContext.dll", "TenantContext.Sqlite.dll" })
        {
            if (!File.Exists(Path.Combine(directory, name)))
            {
                throw new FileNotFoundException($"No {name} in '{directory}'. Build src/TenantContext.Sqlite of the baseline commit and pass its bin folder.", name);
            }
        }

        var context = new BaselineContext(directory);
        return s_loaded = new SqliteBaselineBuild(context.LoadFromAssemblyPath(Path.Combine(directory, "TenantContext.Sqlite.dll")));
    }

    /// <summary>A router of the baseline build over <paramref name="dataRoot"/> with the given schema steps (version 1, 2, …).</summary>
    internal Router NewRouter(string dataRoot, int maxOpenTenants, bool createAnyTenantOnFirstUse, params string[] steps)
    {
        var optionsType = Required("Tenancy.Sqlite.SqliteTenantOptions");
        var options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("DataRoot")!.SetValue(options, dataRoot);
        optionsType.GetProperty("MaxOpenTenants")!.SetValue(options, maxOpenTenants);
        optionsType.GetProperty("CreateAnyTenantOnFirstUse")!.SetValue(options, createAnyTenantOnFirstUse);
        var migrations = optionsType.GetProperty("Migrations")!.GetValue(options)!;
        var add = migrations.GetType().GetMethod("Add", [typeof(int), typeof(string), typeof(string)])!;
        for (int i = 0; i < steps.Length; i++)
        {
            add.Invoke(migrations, [i + 1, $"step {i + 1}", steps[i]]);
        }

        var routerType = Required("Tenancy.Sqlite.SqliteTenantDatabases");
        return new Router(Activator.CreateInstance(routerType, options)!);
    }

    private Type Required(string name)
        => _sqlite.GetType(name) ?? throw new InvalidOperationException($"The baseline build has no {name}: this mode needs a build with the same public API.");

    /// <summary>A baseline router: <c>OpenConnection</c>, <c>Catalog.MigrateAllAsync</c>, <c>Dispose</c>.</summary>
    internal sealed class Router(object router) : IDisposable
    {
        private readonly Func<string, SqliteConnection> _open = router.GetType().GetMethod("OpenConnection", [typeof(string)])!.CreateDelegate<Func<string, SqliteConnection>>(router);

        public SqliteConnection OpenConnection(string tenant) => _open(tenant);

        /// <summary>Runs <c>MigrateAllAsync(parallelism)</c>; returns (succeeded, failed).</summary>
        public (int Succeeded, int Failed) MigrateAll(int parallelism)
        {
            var catalog = router.GetType().GetProperty("Catalog")!.GetValue(router)!;
            var migrateAll = catalog.GetType().GetMethod("MigrateAllAsync")!;
            var task = (Task)migrateAll.Invoke(catalog, [parallelism, false, null, CancellationToken.None])!;
            task.GetAwaiter().GetResult();
            var report = task.GetType().GetProperty("Result")!.GetValue(task)!;
            return ((int)report.GetType().GetProperty("Succeeded")!.GetValue(report)!, (int)report.GetType().GetProperty("Failed")!.GetValue(report)!);
        }

        public void Dispose() => ((IDisposable)router).Dispose();
    }

    /// <summary>Loads the baseline's own TenantContext assemblies from its folder; everything else from the default context.</summary>
    private sealed class BaselineContext(string directory) : AssemblyLoadContext("sqlite-baseline")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
            => assemblyName.Name is "TenantContext" or "TenantContext.Sqlite"
                ? LoadFromAssemblyPath(Path.Combine(directory, assemblyName.Name + ".dll"))
                : null;
    }
}
