using BenchmarkDotNet.Running;

namespace Tenancy.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/TenantContext.Benchmarks -- --filter '*'</c>.
/// Every case sits next to its raw baseline in the same run (these machines are noisy: read the Ratio column).
/// <c>-- sqlite-scale [tenants]</c> runs the 10,000-tenant SQLite measurements (MigrateAllAsync time, open file
/// descriptors and resident memory while rotating) instead; <c>-- pg-scale [noop-tenants] [alter-tenants]</c> the
/// PostgreSQL lifecycle figures (new schema tenant, no-op and one-step <c>MigrateAllAsync</c>); <c>-- sqlite-lifecycle
/// [count]</c> the medians of SQLite tenant creation and first touch beside the raw fsync costs they are made of.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "sqlite-scale")
        {
            SqliteScaleReport.Run(Console.Out, args.Length > 1 ? int.Parse(args[1]) : 10_000);
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

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
