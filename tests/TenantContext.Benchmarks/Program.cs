using BenchmarkDotNet.Running;

namespace Tenancy.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/TenantContext.Benchmarks -- --filter '*'</c>.
/// Every case sits next to its raw baseline in the same run (these machines are noisy: read the Ratio column).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
