using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Npgsql;
using Tenancy.Npgsql;
using Tenancy.Testing;

namespace Tenancy.Benchmarks;

/// <summary>
/// A tenant of <c>TC_MOVE_MB</c> megabytes (64 by default: pages and revisions) moved between two durable local clusters,
/// online and offline, next to <c>pg_dump -n SCHEMA | psql</c> of the same schema between the same servers in the same
/// run (the baseline). Each iteration moves the tenant to the other server (the next one moves it back). BenchmarkDotNet
/// measures whole moves; the columns <c>Copy</c>, <c>Copy/pg_dump</c>, <c>PreVerify</c> and <c>Fence</c> are medians
/// of the phases the moves' own reports give (<see cref="MovePhaseColumn"/>), warm-up move included.
/// </summary>
[Config(typeof(Config))]
public class MoveBenchmarks
{
    /// <summary>
    /// One warm-up and three measured moves per case, in process (a move is server work; an out-of-process build times out
    /// on a loaded machine), with the phase columns.
    /// </summary>
    public sealed class Config : ManualConfig
    {
        /// <summary>The job and the columns.</summary>
        public Config()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
                .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance).WithId("moves"));
            AddColumn(MovePhaseColumn.All);
        }
    }

    private const string Steps =
        "CREATE TABLE pages (id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL); " +
        "CREATE TABLE revisions (id bigint PRIMARY KEY, page bigint NOT NULL REFERENCES pages (id), at timestamptz NOT NULL, note text); " +
        "CREATE INDEX revisions_page ON revisions (page, at)";

    private readonly List<(string Mode, TimeSpan Fence, long Bytes)> _fences = [];
    private PostgresTestCluster _a = null!;
    private PostgresTestCluster _b = null!;
    private string _catalogDb = null!;
    private string _dbA = null!;
    private string _dbB = null!;
    private PostgresTenantDatabases _router = null!;
    private string _shard = "b";

    /// <summary>The tenant's size in megabytes (<c>TC_MOVE_MB</c>, 64 by default).</summary>
    public static int Megabytes => int.TryParse(Environment.GetEnvironmentVariable("TC_MOVE_MB"), out var mb) ? mb : 64;

    [GlobalSetup(Target = nameof(PgDumpPsql))]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalSetup(Target = nameof(MoveOnline))]
    public void SetupOnline()
    {
        Setup();
        MovePhaseColumn.Clear(nameof(MoveOnline));
    }

    [GlobalSetup(Target = nameof(MoveOffline))]
    public void SetupOffline()
    {
        Setup();
        MovePhaseColumn.Clear(nameof(MoveOffline));
    }

    private async Task SetupAsync()
    {
        _a = await PostgresTestCluster.StartAsync("move-a", durable: true);
        _b = await PostgresTestCluster.StartAsync("move-b", durable: true);
        _catalogDb = await _a.CreateDatabaseAsync("cat");
        _dbA = await _a.CreateDatabaseAsync("shard");
        _dbB = await _b.CreateDatabaseAsync("shard");
        var o = new PostgresTenantOptions { Catalog = _a.ConnectionString(_catalogDb), CatalogStaleness = TimeSpan.FromMilliseconds(200) };
        o.AddShard("a", _a.ConnectionString(_dbA)).AddShard("b", _b.ConnectionString(_dbB));
        o.Migrations.Add(1, "init", Steps);
        _router = new PostgresTenantDatabases(o);
        await _router.Catalog.CreateAsync("big");
        // ~1 KB per page and ~100 bytes per revision, 4 revisions per page: about 1.4 MB per 1,000 pages with indexes.
        var pages = Megabytes * 700;
        await _a.ExecuteAsync(
            $"INSERT INTO tenant_big.pages SELECT i, 'page ' || i, repeat(md5(i::text), 30) FROM generate_series(1, {pages}) i; " +
            $"INSERT INTO tenant_big.revisions SELECT i, (i - 1) / 4 + 1, now() - i * interval '1 s', md5(i::text) || md5((i + 1)::text) FROM generate_series(1, {pages * 4}) i; " +
            "ANALYZE tenant_big.pages; ANALYZE tenant_big.revisions", _dbA);
        var size = await _a.ScalarAsync<long>("SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tenant_big' AND c.relkind = 'r'", _dbA);
        Console.WriteLine($"// tenant 'big': {size / 1024.0 / 1024.0:0.0} MB on disk with indexes ({pages} pages, {pages * 4} revisions)");
    }

    [IterationSetup(Target = nameof(PgDumpPsql))]
    public void DropDumped() => _b.ExecuteAsync("DROP SCHEMA IF EXISTS tenant_big_dump CASCADE", _dbB).GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "pg_dump -n tenant_big | psql (other server)")]
    public void PgDumpPsql()
    {
        // The tenant stays on server a for the baseline; its dump is restored on b under another schema name.
        var script =
            $"pg_dump -h 127.0.0.1 -p {_a.Port} -U postgres -n tenant_big {_dbA} | sed 's/tenant_big/tenant_big_dump/g' | " +
            $"psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {_b.Port} -U postgres -d {_dbB} > /dev/null";
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", "set -o pipefail; " + script]) { RedirectStandardError = true })!;
        var errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("pg_dump | psql failed: " + errors);
        }
    }

    [Benchmark(Description = "MoveAsync online (logical replication)")]
    public void MoveOnline() => Move(TenantMoveMode.Online);

    [Benchmark(Description = "MoveAsync offline (COPY under the fence)")]
    public void MoveOffline() => Move(TenantMoveMode.Offline);

    private void Move(TenantMoveMode mode)
    {
        var record = _router.Catalog.GetAsync("big").GetAwaiter().GetResult()!;
        _shard = record.Shard == "a" ? "b" : "a";
        var report = _router.Catalog.MoveAsync("big", _shard, options: new TenantMoveOptions { Mode = mode }).GetAwaiter().GetResult();
        _fences.Add((mode.ToString(), report.FenceDuration, report.BytesCopied));
        MovePhaseColumn.Record(mode == TenantMoveMode.Online ? nameof(MoveOnline) : nameof(MoveOffline), report);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var group in _fences.GroupBy(f => f.Mode))
        {
            var fences = group.Select(f => f.Fence.TotalMilliseconds).Order().ToList();
            Console.WriteLine($"// {group.Key}: write fence median {fences[fences.Count / 2]:0} ms (min {fences[0]:0}, max {fences[^1]:0}) over {fences.Count} moves; bytes per move {group.First().Bytes}");
        }

        _router.Dispose();
        NpgsqlConnection.ClearAllPools();
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
