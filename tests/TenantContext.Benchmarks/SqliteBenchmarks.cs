using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Data.Sqlite;
using Tenancy.Sqlite;

namespace Tenancy.Benchmarks;

/// <summary>Shared set-up for the SQLite benchmarks: a temporary data root and the schema the issue's targets name.</summary>
internal static class SqliteBench
{
    /// <summary>
    /// Creates <paramref name="tenants"/> catalogued tenants <c>t00000</c>… under <paramref name="dataRoot"/> (the first from
    /// the migrations, the rest from it as a template) and returns how long that took.
    /// </summary>
    public static TimeSpan CreateFromTemplate(string dataRoot, int tenants)
    {
        var options = new SqliteTenantOptions { DataRoot = dataRoot, MaxOpenTenants = 256 };
        options.Migrations.Add(1, "init", Schema);
        var clock = Stopwatch.StartNew();
        using (var router = new SqliteTenantDatabases(options))
        {
            router.Catalog.CreateAsync("t00000").GetAwaiter().GetResult();
            for (int i = 1; i < tenants; i++)
            {
                router.Catalog.CreateAsync($"t{i:00000}", "t00000").GetAwaiter().GetResult();
            }
        }

        return clock.Elapsed;
    }

    /// <summary>A new tenant: 4 tables and 3 indexes.</summary>
    public const string Schema =
        "CREATE TABLE pages (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL); " +
        "CREATE TABLE revisions (id INTEGER PRIMARY KEY, page INTEGER NOT NULL REFERENCES pages(id), at TEXT NOT NULL); " +
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL); " +
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT); " +
        "CREATE UNIQUE INDEX pages_title ON pages (title); CREATE INDEX revisions_page ON revisions (page, at); CREATE UNIQUE INDEX users_name ON users (name);";

    public static string NewRoot(string name)
    {
        var root = Path.Combine(Path.GetTempPath(), "tc-sqlite-bench", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return root;
    }

    public static void DeleteRoot(string root)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static void Seed(SqliteConnection connection, int rows, string? tenant = null)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = tenant is null
            ? "INSERT INTO items (id, name) VALUES ($id, $name);"
            : "INSERT INTO items (tenant_id, id, name) VALUES ($tenant, $id, $name);";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        if (tenant is not null)
        {
            insert.Parameters.AddWithValue("$tenant", tenant);
        }

        for (int i = 0; i < rows; i++)
        {
            id.Value = i;
            name.Value = "item " + i;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static string PointQuery(SqliteConnection connection, string sql, int id, string? tenant = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        if (tenant is not null)
        {
            command.Parameters.AddWithValue("$tenant", tenant);
        }

        return (string)command.ExecuteScalar()!;
    }
}

/// <summary>A warm open of one tenant's database plus a point query, against raw pooled Microsoft.Data.Sqlite on the same file.</summary>
[MemoryDiagnoser]
public class SqliteWarmOpenBenchmarks
{
    private const string Query = "SELECT name FROM items WHERE id = $id;";
    private string _root = null!;
    private TenantConfiguration _configuration = null!;
    private SqliteTenantDatabase _db = null!;
    private string _raw = null!;
    private int _id;

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("warm");
        _configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
        {
            o.DataRoot = _root;
            o.CreateAnyTenantOnFirstUse = true;
            o.Migrations.Add(1, "init", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
        }));
        var router = _configuration.GetSqlite();
        using (var connection = router.OpenConnection("acme"))
        {
            SqliteBench.Seed(connection, 1000);
        }

        _db = router.GetDatabase("acme");
        _raw = new SqliteConnectionStringBuilder { DataSource = router.GetDatabasePath("acme"), Pooling = true }.ToString();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _configuration.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "raw pooled Microsoft.Data.Sqlite: open + point query")]
    public string Raw()
    {
        using var connection = new SqliteConnection(_raw);
        connection.Open();
        return SqliteBench.PointQuery(connection, Query, ++_id % 1000);
    }

    [Benchmark(Description = "GetDb().OpenConnection() (the tenant's SqliteTenantDatabase) + point query")]
    public string TenantDatabase()
    {
        using var connection = _db.OpenConnection();
        return SqliteBench.PointQuery(connection, Query, ++_id % 1000);
    }

    [Benchmark(Description = "UseConfiguration + Enter + GetDb().OpenConnection() + point query")]
    public string EnterGetDb()
    {
        using (TenantContext.UseConfiguration(_configuration))
        using (TenantContext.Enter("acme"))
        using (var connection = (SqliteConnection)TenantContext.GetDb().OpenConnection())
        {
            return SqliteBench.PointQuery(connection, Query, ++_id % 1000);
        }
    }
}

/// <summary>A point query rotating across 1,000 tenant files against one shared database with a (tenant_id, id) key holding the same rows.</summary>
[MemoryDiagnoser]
public class SqliteRotationBenchmarks
{
    private const int Tenants = 1000;
    private const int Rows = 100;
    private string _root = null!;
    private SqliteTenantDatabases _router = null!;
    private SqliteTenantDatabase[] _dbs = null!;
    private string[] _slugs = null!;
    private string _shared = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("rotate");
        _router = new SqliteTenantDatabases(new SqliteTenantOptions
        {
            DataRoot = _root,
            MaxOpenTenants = Tenants + 24,
            CreateAnyTenantOnFirstUse = true,
        });
        _slugs = Enumerable.Range(0, Tenants).Select(i => $"t{i:0000}").ToArray();
        var sharedPath = Path.Combine(_root, "shared.db");
        _shared = new SqliteConnectionStringBuilder { DataSource = sharedPath, Pooling = true }.ToString();
        using (var shared = new SqliteConnection(_shared))
        {
            shared.Open();
            SqliteBench.Exec(shared, "PRAGMA journal_mode = WAL; CREATE TABLE items (tenant_id TEXT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (tenant_id, id)) WITHOUT ROWID;");
            foreach (var slug in _slugs)
            {
                SqliteBench.Seed(shared, Rows, slug);
            }
        }

        _dbs = new SqliteTenantDatabase[Tenants];
        for (int i = 0; i < Tenants; i++)
        {
            using (var connection = _router.OpenConnection(_slugs[i]))
            {
                SqliteBench.Exec(connection, "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
                SqliteBench.Seed(connection, Rows);
            }

            _dbs[i] = _router.GetDatabase(_slugs[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _router.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "one shared database, (tenant_id, id) key: open + point query")]
    public string Shared()
    {
        int i = ++_i;
        using var connection = new SqliteConnection(_shared);
        connection.Open();
        return SqliteBench.PointQuery(connection, "SELECT name FROM items WHERE tenant_id = $tenant AND id = $id;", i % Rows, _slugs[i % Tenants]);
    }

    [Benchmark(Description = "1,000 tenant files, rotating: open + point query")]
    public string Rotating()
    {
        int i = ++_i;
        using var connection = _dbs[i % Tenants].OpenConnection();
        return SqliteBench.PointQuery(connection, "SELECT name FROM items WHERE id = $id;", i % Rows);
    }
}

/// <summary>Creating tenants: empty (4 tables, 3 indexes, crash-safe migration), from a template, and the first touch of an existing cold tenant.</summary>
[MemoryDiagnoser]
public class SqliteLifecycleBenchmarks
{
    private const int ColdTenants = 4000;
    private string _root = null!;
    private SqliteTenantDatabases _router = null!;
    private SqliteTenantDatabases _coldRouter = null!;
    private SqliteTenantOptions _coldOptions = null!;
    private int _next;
    private int _cold;

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("lifecycle");
        var options = new SqliteTenantOptions { DataRoot = Path.Combine(_root, "new"), CreateAnyTenantOnFirstUse = true };
        options.Migrations.Add(1, "init", SqliteBench.Schema);
        _router = new SqliteTenantDatabases(options);
        _router.Catalog.CreateAsync("template").GetAwaiter().GetResult();

        _coldOptions = new SqliteTenantOptions { DataRoot = Path.Combine(_root, "cold"), CreateAnyTenantOnFirstUse = true };
        _coldOptions.Migrations.Add(1, "init", SqliteBench.Schema);
        using (var seed = new SqliteTenantDatabases(_coldOptions))
        {
            seed.OpenConnection("c0").Dispose();
            var template = seed.GetDatabasePath("c0");
            for (int i = 1; i < ColdTenants; i++)
            {
                File.Copy(template, seed.GetDatabasePath($"c{i}"));
            }
        }

        _coldRouter = new SqliteTenantDatabases(_coldOptions);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _router.Dispose();
        _coldRouter.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Description = "new tenant: create file + 4 tables + 3 indexes (BEGIN IMMEDIATE, user_version)")]
    public int NewTenant() => _router.MigrateAsync($"n{++_next}").GetAwaiter().GetResult().ToVersion;

    [Benchmark(Description = "new tenant from template (online backup + rename + catalog record)")]
    public TenantRecord FromTemplate() => _router.Catalog.CreateAsync($"copy{++_next}", "template").GetAwaiter().GetResult();

    [Benchmark(Description = "first touch of an existing cold tenant: version check + open + SELECT 1")]
    public long FirstTouchOfColdTenant()
    {
        if (++_cold == ColdTenants)
        {
            _cold = 0;
            _coldRouter.Dispose(); // start over with a router that has seen none of them
            _coldRouter = new SqliteTenantDatabases(_coldOptions);
        }

        using var connection = _coldRouter.OpenConnection($"c{_cold}");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1;";
        return (long)command.ExecuteScalar()!;
    }
}

/// <summary>
/// The first touch of a cold tenant by this build beside another build of <c>TenantContext.Sqlite</c> (<c>--sqlite-baseline
/// DIR</c>, see <see cref="SqliteBaselineBuild"/>) in the same run, each over its own copies of one tenant file; the Ratio
/// column is this build over the baseline. Each router sees every tenant once, then is replaced by a new one.
/// </summary>
[MemoryDiagnoser]
public class SqliteColdTouchBaselineBenchmarks
{
    private const int ColdTenants = 4000;
    private string _root = null!;
    private ColdTenantRotation _baseline = null!;
    private ColdTenantRotation _current = null!;

    [GlobalSetup]
    public void Setup()
    {
        var build = SqliteBaselineBuild.Load();
        _root = SqliteBench.NewRoot("cold-baseline");
        var seedOptions = new SqliteTenantOptions { DataRoot = Path.Combine(_root, "seed"), CreateAnyTenantOnFirstUse = true };
        seedOptions.Migrations.Add(1, "init", SqliteBench.Schema);
        string template;
        using (var seed = new SqliteTenantDatabases(seedOptions))
        {
            seed.OpenConnection("c0").Dispose();
            template = seed.GetDatabasePath("c0");
        }

        SqliteConnection.ClearAllPools();
        var baselineRoot = Path.Combine(_root, "baseline");
        var currentRoot = Path.Combine(_root, "current");
        foreach (var root in new[] { baselineRoot, currentRoot })
        {
            Directory.CreateDirectory(Path.Combine(root, "tenants"));
            for (int i = 0; i < ColdTenants; i++)
            {
                File.Copy(template, Path.Combine(root, "tenants", $"c{i}.db"));
            }
        }

        _baseline = new ColdTenantRotation(ColdTenants, () =>
        {
            var router = build.NewRouter(baselineRoot, 256, createAnyTenantOnFirstUse: true, SqliteBench.Schema);
            return (router.OpenConnection, router);
        });
        _current = new ColdTenantRotation(ColdTenants, () =>
        {
            var options = new SqliteTenantOptions { DataRoot = currentRoot, CreateAnyTenantOnFirstUse = true };
            options.Migrations.Add(1, "init", SqliteBench.Schema);
            var router = new SqliteTenantDatabases(options);
            if (router.GetDatabasePath("c0") != Path.Combine(currentRoot, "tenants", "c0.db"))
            {
                throw new InvalidOperationException("The default PathTemplate changed: update the benchmark's copies.");
            }

            return (router.OpenConnection, router);
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _baseline.Dispose();
        _current.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "baseline build: first touch of an existing cold tenant + SELECT 1")]
    public long Baseline() => _baseline.TouchNext();

    [Benchmark(Description = "this build: first touch of an existing cold tenant + SELECT 1")]
    public long ThisBuild() => _current.TouchNext();

    /// <summary>Opens tenants c0, c1, … once each through a router that has seen none of them, then starts over with a new router.</summary>
    private sealed class ColdTenantRotation(int tenants, Func<(Func<string, SqliteConnection> Open, IDisposable Router)> newRouter) : IDisposable
    {
        private (Func<string, SqliteConnection> Open, IDisposable Router) _router = newRouter();
        private int _next = -1;

        public long TouchNext()
        {
            if (++_next == tenants)
            {
                _next = 0;
                _router.Router.Dispose();
                _router = newRouter();
            }

            using var connection = _router.Open($"c{_next}");
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1;";
            return (long)command.ExecuteScalar()!;
        }

        public void Dispose() => _router.Router.Dispose();
    }
}

/// <summary>
/// The scale measurements (one run each, printed): <c>MigrateAllAsync</c> of 10,000 tenants by one <c>ALTER TABLE</c>, and
/// rotating through 10,000 tenants with <c>MaxOpenTenants = 256</c> while sampling open descriptors and resident memory.
/// Run with <c>--filter '*SqliteScale*'</c>, or call <see cref="SqliteScaleReport.Run"/> from a console.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class SqliteScaleBenchmarks
{
    [Benchmark(Description = "scale report: 10,000 tenants (see the log for figures)")]
    public void Scale() => SqliteScaleReport.Run(Console.Out, tenants: 10_000);
}

/// <summary>Prints the 10,000-tenant figures: catalogue creation, MigrateAll time, and descriptors / RSS while rotating.</summary>
public static class SqliteScaleReport
{
    /// <summary>Runs the measurements and writes one line per figure.</summary>
    /// <param name="output">Where the figures go.</param>
    /// <param name="tenants">How many tenants (10,000 for the issue's targets).</param>
    public static void Run(TextWriter output, int tenants = 10_000)
    {
        var root = SqliteBench.NewRoot("scale");
        try
        {
            var created = SqliteBench.CreateFromTemplate(root, tenants);
            output.WriteLine($"sqlite-scale: created {tenants} tenants from a template in {created.TotalSeconds:F1} s");

            const string Step = "ALTER TABLE pages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;";
            if (SqliteBaselineBuild.Configured)
            {
                // The same files, copied, migrated by the baseline build first (same process, same run).
                var copy = root + "-baseline";
                CopyTree(root, copy);
                try
                {
                    using var baseline = SqliteBaselineBuild.Load().NewRouter(copy, 256, createAnyTenantOnFirstUse: false, SqliteBench.Schema, Step);
                    var (succeeded, failed) = Measure(() => baseline.MigrateAll(0), out var wall, out var cpu);
                    output.WriteLine($"sqlite-scale: baseline build: MigrateAllAsync of {tenants} tenants (1 ALTER TABLE step, its default parallelism): " +
                                     $"{wall.TotalSeconds:F1} s, process CPU {cpu.TotalSeconds:F1} s, {succeeded} succeeded, {failed} failed");
                    Measure(() => baseline.MigrateAll(0), out wall, out cpu);
                    output.WriteLine($"sqlite-scale: baseline build: MigrateAllAsync again, nothing to do: {wall.TotalSeconds:F1} s, process CPU {cpu.TotalSeconds:F1} s");
                }
                finally
                {
                    SqliteBench.DeleteRoot(copy);
                }
            }

            var v2 = new SqliteTenantOptions { DataRoot = root, MaxOpenTenants = 256 };
            v2.Migrations.Add(1, "init", SqliteBench.Schema);
            v2.Migrations.Add(2, "pinned", Step);
            using (var router = new SqliteTenantDatabases(v2))
            {
                var report = Measure(() => router.Catalog.MigrateAllAsync().GetAwaiter().GetResult(), out var wall, out var cpu);
                output.WriteLine($"sqlite-scale: MigrateAllAsync of {report.Results.Count} tenants (1 ALTER TABLE step, default parallelism: {Math.Min(8 * Environment.ProcessorCount, 64)}): " +
                                 $"{wall.TotalSeconds:F1} s, process CPU {cpu.TotalSeconds:F1} s, {report.Succeeded} succeeded, {report.Failed} failed");
                var again = Measure(() => router.Catalog.MigrateAllAsync().GetAwaiter().GetResult(), out wall, out cpu);
                output.WriteLine($"sqlite-scale: MigrateAllAsync again, nothing to do: {wall.TotalSeconds:F1} s, process CPU {cpu.TotalSeconds:F1} s, " +
                                 $"{again.Results.Count(r => r.FromVersion == r.ToVersion)} already current");

                int maxFds = 0;
                long maxRss = 0;
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < tenants; i++)
                {
                    using (var connection = router.OpenConnection($"t{i:00000}"))
                    using (var command = connection.CreateCommand())
                    {
                        command.CommandText = "SELECT count(*) FROM pages;";
                        command.ExecuteScalar();
                    }

                    if (i % 250 == 0 || i == tenants - 1)
                    {
                        maxFds = Math.Max(maxFds, Directory.GetFileSystemEntries("/proc/self/fd").Length);
                        using var self = Process.GetCurrentProcess();
                        maxRss = Math.Max(maxRss, self.WorkingSet64);
                    }
                }

                output.WriteLine($"sqlite-scale: rotated through {tenants} tenants with MaxOpenTenants = 256 in {clock.Elapsed.TotalSeconds:F1} s: " +
                                 $"max open descriptors {maxFds} (target <= {3 * 256 + 64}), max RSS {maxRss / (1024 * 1024)} MB (target <= 200 MB), " +
                                 $"tenants holding pools at the end {router.OpenTenantCount}");
            }
        }
        finally
        {
            SqliteBench.DeleteRoot(root);
        }
    }

    /// <summary>Runs <paramref name="work"/>, timing it by the wall clock and by this process's CPU time (every thread's, user and system).</summary>
    internal static T Measure<T>(Func<T> work, out TimeSpan wall, out TimeSpan cpu)
    {
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        var result = work();
        wall = Stopwatch.GetElapsedTime(start);
        self.Refresh();
        cpu = self.TotalProcessorTime - cpuBefore;
        return result;
    }

    internal static void CopyTree(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}

/// <summary>
/// <c>MigrateAllAsync</c> of one <c>ALTER TABLE</c> step over N catalogued tenants at several worker counts, each beside
/// the baseline build when one is given (<c>-- sqlite-migrate N [--parallelism 2,4,8,16]</c>). The tenants are created
/// once at version 1; every run migrates a fresh copy of them, flushed to disk first (<c>sync</c>), so no run pays for
/// another's writes. Each line gives the wall time, this process's CPU time (all threads, user and system) and the load
/// average before and after.
/// </summary>
public static class SqliteMigrateAllReport
{
    /// <summary>Runs the measurements and writes one line per run.</summary>
    /// <param name="output">Where the figures go.</param>
    /// <param name="tenants">How many tenants.</param>
    /// <param name="parallelisms">The worker counts to measure (0: the build's default).</param>
    public static void Run(TextWriter output, int tenants, int[] parallelisms)
    {
        const string Step = "ALTER TABLE pages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;";
        var root = SqliteBench.NewRoot("migrate");
        try
        {
            var master = Path.Combine(root, "v1");
            var created = SqliteBench.CreateFromTemplate(master, tenants);

            SqliteConnection.ClearAllPools();
            output.WriteLine($"sqlite-migrate: created {tenants} tenants from a template in {created.TotalSeconds:F1} s");

            // Every copy is made before the first run and deleted after the last: on a file system that avoids reusing
            // recently freed inodes (ext4 without a journal), files deleted just before a run make its file creations dearer.
            var builds = new List<string>();
            if (SqliteBaselineBuild.Configured)
            {
                builds.Add("baseline");
            }

            builds.Add("this");

            var runs = new List<(int Parallelism, string Build, string Copy)>();
            foreach (int parallelism in parallelisms)
            {
                var order = runs.Count / builds.Count % 2 == 0 ? builds : Enumerable.Reverse(builds).ToList(); // alternate who goes first
                foreach (var build in order)
                {
                    var copy = Path.Combine(root, $"run{runs.Count}");
                    SqliteScaleReport.CopyTree(master, copy);
                    runs.Add((parallelism, build, copy));
                }
            }

            // Let the file system forget the deletions made while the tenants were created (ext4 without a journal skips inodes
            // freed in the last 60 s, once their blocks are written): the runs then start from the same state.
            Libc.Sync();
            Thread.Sleep(TimeSpan.FromSeconds(65));
            var baselineWall = new Dictionary<int, TimeSpan>();
            var thisWall = new Dictionary<int, TimeSpan>();
            foreach (var (parallelism, build, copy) in runs)
            {
                string load = LoadAverage();
                TimeSpan wall, cpu;
                int succeeded, failed;
                if (build == "baseline")
                {
                    using var baseline = SqliteBaselineBuild.Load().NewRouter(copy, 256, createAnyTenantOnFirstUse: false, SqliteBench.Schema, Step);
                    (succeeded, failed) = SqliteScaleReport.Measure(() => baseline.MigrateAll(parallelism), out wall, out cpu);
                    baselineWall[parallelism] = wall;
                }
                else
                {
                    var v2 = new SqliteTenantOptions { DataRoot = copy, MaxOpenTenants = 256 };
                    v2.Migrations.Add(1, "init", SqliteBench.Schema);
                    v2.Migrations.Add(2, "pinned", Step);
                    using var router = new SqliteTenantDatabases(v2);
                    var report = SqliteScaleReport.Measure(() => router.Catalog.MigrateAllAsync(parallelism).GetAwaiter().GetResult(), out wall, out cpu);
                    (succeeded, failed) = (report.Succeeded, report.Failed);
                    thisWall[parallelism] = wall;
                }

                output.WriteLine($"sqlite-migrate: {build} build, {Workers(parallelism)}: {wall.TotalSeconds:F2} s, process CPU {cpu.TotalSeconds:F2} s, " +
                                 $"{succeeded} succeeded, {failed} failed (load {load} -> {LoadAverage()})");
            }

            foreach (var (parallelism, wall) in thisWall)
            {
                if (baselineWall.TryGetValue(parallelism, out var b))
                {
                    output.WriteLine($"sqlite-migrate: {Workers(parallelism)}: this build's wall time {wall / b:F2}x the baseline's");
                }
            }
        }
        finally
        {
            SqliteBench.DeleteRoot(root);
        }
    }

    private static string Workers(int parallelism) => parallelism == 0 ? "default workers" : $"{parallelism} workers";

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}

/// <summary>
/// The lifecycle figures as medians of single operations, beside the raw file-system costs they are made of, in the same
/// run (<c>-- sqlite-lifecycle [count]</c>): an fsync of a freshly written file, and a no-overwrite link followed by an
/// fsync of its folder. A creation needs one of each (content, then name) plus the catalog's own commit; the profile says
/// how far the rest is from the floor.
/// </summary>
public static class SqliteLifecycleProfile
{
    /// <summary>Runs the measurements and writes one line per figure.</summary>
    /// <param name="output">Where the figures go.</param>
    /// <param name="count">Operations per figure.</param>
    public static void Run(TextWriter output, int count = 60)
    {
        var root = SqliteBench.NewRoot("profile");
        try
        {
            var raw = Path.Combine(root, "raw");
            Directory.CreateDirectory(raw);
            var page = new byte[64 * 1024];
            output.WriteLine($"sqlite-lifecycle: fsync of a new 64 KB file: {Median(count, i =>
            {
                var path = Path.Combine(raw, $"f{i}");
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
                stream.Write(page);
                stream.Flush(flushToDisk: true);
            }):F3} ms");
            output.WriteLine($"sqlite-lifecycle: publish (rename + fsync of the folder): {Median(count, i =>
            {
                File.Move(Path.Combine(raw, $"f{i}"), Path.Combine(raw, $"g{i}"));
                int fd = Libc.Open(raw, 0);
                Libc.Fsync(fd);
                Libc.Close(fd);
            }):F3} ms");

            var options = new SqliteTenantOptions { DataRoot = Path.Combine(root, "data"), UseCatalog = true };
            options.Migrations.Add(1, "init", SqliteBench.Schema);
            using (var router = new SqliteTenantDatabases(options))
            {
                router.Catalog.CreateAsync("template").GetAwaiter().GetResult();
                output.WriteLine($"sqlite-lifecycle: new tenant (CreateAsync, 4 tables + 3 indexes): {Median(count, i => router.Catalog.CreateAsync($"n{i}").GetAwaiter().GetResult()):F3} ms");
                output.WriteLine($"sqlite-lifecycle: new tenant from a template (CreateAsync): {Median(count, i => router.Catalog.CreateAsync($"c{i}", "template").GetAwaiter().GetResult()):F3} ms");
                output.WriteLine($"sqlite-lifecycle: catalog look-up (GetAsync): {Median(count, i => router.Catalog.GetAsync($"c{i}").GetAwaiter().GetResult()):F3} ms");
            }

            using (var cold = new SqliteTenantDatabases(options))
            {
                output.WriteLine($"sqlite-lifecycle: first touch of a cold catalogued tenant + SELECT 1: {Median(count, i =>
                {
                    using var connection = cold.OpenConnection($"c{i}");
                    using var command = connection.CreateCommand();
                    command.CommandText = "SELECT 1;";
                    command.ExecuteScalar();
                }):F3} ms");
            }

            var open = new SqliteTenantOptions { DataRoot = Path.Combine(root, "data") };
            open.Migrations.Add(1, "init", SqliteBench.Schema);
            using (var cold = new SqliteTenantDatabases(open))
            {
                output.WriteLine($"sqlite-lifecycle: first touch of a cold tenant, no catalog check (UseCatalog off) + SELECT 1: {Median(count, i =>
                {
                    using var connection = cold.OpenConnection($"n{i}");
                    using var command = connection.CreateCommand();
                    command.CommandText = "SELECT 1;";
                    command.ExecuteScalar();
                }):F3} ms");
            }
        }
        finally
        {
            SqliteBench.DeleteRoot(root);
        }
    }

    private static double Median(int count, Action<int> operation)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            operation(i);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[count / 2];
    }
}

internal static class Libc
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    public static extern int Open(string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync")]
    public static extern int Fsync(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    public static extern int Close(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sync")]
    public static extern void Sync();
}
