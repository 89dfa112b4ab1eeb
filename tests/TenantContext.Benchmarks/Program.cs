using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Tenancy.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/TenantContext.Benchmarks -- --filter '*'</c>.
/// Every case sits next to its raw baseline in the same run (these machines are noisy: read the Ratio column).
/// <c>-- sqlite-scale [tenants]</c> runs the 10,000-tenant SQLite measurements (MigrateAllAsync time, open file
/// descriptors and resident memory while rotating) instead; <c>-- pg-scale [noop-tenants] [alter-tenants]</c> the
/// PostgreSQL lifecycle figures (new schema tenant, no-op and one-step <c>MigrateAllAsync</c>); <c>-- sqlite-lifecycle
/// [count]</c> the medians of SQLite tenant creation and first touch beside the raw fsync costs they are made of.
/// <c>-- sqlite-migrate [tenants] [--parallelism 2,4,8,16]</c> times one-step <c>MigrateAllAsync</c> runs at each worker count
/// on fresh copies of the same tenants (<see cref="SqliteMigrateAllReport"/>).
/// <c>-- scope-paired [rounds] [--finbuckle DIR]</c> measures the scope cases interleaved with their raw baselines, round
/// by round, and with the peer's build its cases too (<see cref="ScopePairedReport"/>).
/// <c>--sqlite-baseline DIR</c> measures another build of TenantContext.Sqlite beside this one in the same process
/// (<see cref="SqliteColdTouchBaselineBenchmarks"/>, and <c>sqlite-scale</c>'s <c>MigrateAllAsync</c>).
/// <c>-- --finbuckle DIR [BenchmarkDotNet options]</c> runs the
/// peer table against the Finbuckle.MultiTenant build in DIR (<see cref="FinbuckleBenchmarks"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // --cpu-clock: measure the benchmark thread's CPU time, in process (a loaded machine's wall clock measures its scheduler).
        IConfig? config = null;
        if (args.Contains("--cpu-clock"))
        {
            args = args.Where(a => a != "--cpu-clock").ToArray();
            config = ManualConfig.Create(DefaultConfig.Instance).AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithClock(ThreadCpuClock.Instance)
                .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100))
                .WithId("cpu-clock"));
        }

        // --sqlite-baseline DIR: another build of TenantContext.Sqlite measured beside this one (SqliteBaselineBuild).
        int baseline = Array.IndexOf(args, "--sqlite-baseline");
        if (baseline >= 0)
        {
            if (baseline + 1 >= args.Length)
            {
                Console.Error.WriteLine("--sqlite-baseline needs the bin folder of another TenantContext.Sqlite build (holding TenantContext.dll and TenantContext.Sqlite.dll).");
                Environment.Exit(2);
            }

            Environment.SetEnvironmentVariable(SqliteBaselineBuild.DirectoryVariable, Path.GetFullPath(args[baseline + 1]));
            args = args.Where((_, i) => i != baseline && i != baseline + 1).ToArray();
        }

        if (args.Length > 0 && args[0] == "sqlite-scale")
        {
            SqliteScaleReport.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 10_000);
            return;
        }

        if (args.Length > 0 && args[0] == "sqlite-migrate")
        {
            int at = Array.IndexOf(args, "--parallelism");
            int[] parallelisms = at > 0 && at + 1 < args.Length ? args[at + 1].Split(',').Select(int.Parse).ToArray() : [0];
            SqliteMigrateAllReport.Run(Console.Out, args.Length > 1 && at != 1 ? int.Parse(args[1]) : 2_000, parallelisms);
            return;
        }

        if (args.Length > 0 && args[0] == "pg-scale")
        {
            PostgresScaleReport.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 10_000, args.Length > 2 ? int.Parse(args[2]) : 1_000);
            return;
        }

        if (args.Length > 0 && args[0] == "sqlite-lifecycle")
        {
            SqliteLifecycleProfile.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 60);
            return;
        }

        // --finbuckle DIR: the peer's build, for the Finbuckle benchmarks and scope-paired's peer rows.
        int finbuckle = Array.IndexOf(args, "--finbuckle");
        if (finbuckle >= 0)
        {
            if (finbuckle + 1 >= args.Length)
            {
                Console.Error.WriteLine("--finbuckle needs the folder of a Finbuckle.MultiTenant build (the one holding Finbuckle.MultiTenant.Abstractions.dll).");
                Environment.Exit(2);
            }

            // The benchmark processes BenchmarkDotNet starts inherit the environment.
            Environment.SetEnvironmentVariable(FinbuckleBuild.DirectoryVariable, Path.GetFullPath(args[finbuckle + 1]));
            args = args.Where((_, i) => i != finbuckle && i != finbuckle + 1).ToArray();
            if (!args.Contains("--filter") && !(args.Length > 0 && args[0] == "scope-paired"))
            {
                args = [.. args, "--filter", "*FinbuckleBenchmarks*", "*FinbuckleReadBenchmarks*", "*FinbuckleRequestBenchmarks*"];
            }
        }

        if (args.Length > 0 && args[0] == "scope-paired")
        {
            ScopePairedReport.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 100);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
