using System.Runtime.CompilerServices;

namespace Tenancy.Benchmarks;

/// <summary>
/// <c>-- scope-paired [rounds]</c>: the scope cases of <see cref="ScopeBenchmarks"/> measured <em>interleaved</em> with
/// their raw baselines. BenchmarkDotNet measures one case after the other, a second or more each; on this VM the
/// speed of the machine drifts over seconds (the same raw baseline reads 69–135 ns from one run to the next), so a
/// ratio of two such measurements carries the drift. Here each round times a short block of the baseline and a short
/// block of the case back to back (the order alternates between rounds), on the thread CPU clock, minus an empty
/// call's cost (each case in a loop of its own that calls the benchmark method directly, as BenchmarkDotNet's loop does); the report gives the ratio of the total times (garbage collections included, as BenchmarkDotNet's
/// means include them) and the median and quartiles of the rounds' ratios. The code measured is exactly the benchmark methods BenchmarkDotNet runs: <see cref="ScopeBenchmarks"/>,
/// <see cref="GeneratedAccessorScopeBenchmarks"/>, and with <c>--finbuckle DIR</c> the peer's cases of
/// <see cref="FinbuckleBenchmarks"/> (against the raw floor and against TenantContext).
/// </summary>
internal static class ScopePairedReport
{
    // Large enough that every block includes its share of garbage collections (a block allocates 7–18 MB): a short
    // block would leave the collections to a few rounds, and a median would then drop the cost of allocating.
    private const int OperationsPerBlock = 100_000;

    internal static void Run(TextWriter output, int rounds)
    {
        var benchmarks = new ScopeBenchmarks();
        benchmarks.Setup();

        output.WriteLine($"# scope-paired: {rounds} rounds of {OperationsPerBlock:N0} operations per block, thread CPU clock, " +
            $"processors {Environment.ProcessorCount}, load {LoadAverage()}");
        output.WriteLine("| case | baseline | case | ratio of the totals | per round: median (quartiles) | rounds |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        Measure(output, rounds, "TenantContext.Enter + Dispose  vs  raw AsyncLocal set + restore",
            new RawSetRestore(benchmarks), new EnterDispose(benchmarks), default(Empty));
        Measure(output, rounds, "TenantContext.Enter + 3 role reads + Dispose  vs  raw AsyncLocal set + 3 reads + restore",
            new RawUnitOfWork(benchmarks), new UnitOfWork(benchmarks), default(Empty));

        var generated = new GeneratedAccessorScopeBenchmarks();
        generated.Setup();
        Measure(output, rounds, "BenchWiki.Enter + 3 generated reads + Dispose  vs  raw AsyncLocal set + 3 reads + restore",
            new GeneratedRaw(generated), new GeneratedUnitOfWork(generated), default(Empty));

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(FinbuckleBuild.DirectoryVariable)))
        {
            // The peer: every case of FinbuckleBenchmarks goes through a delegate, the raw and TenantContext ones too.
            var peer = new FinbuckleBenchmarks();
            peer.Setup();
            Measure(output, rounds, "Finbuckle: save, set, restore  vs  raw AsyncLocal set + restore",
                new PeerRawSetRestore(peer), new FinbuckleEnterDispose(peer), default(Empty));
            Measure(output, rounds, "TenantContext.Enter + Dispose  vs  Finbuckle: save, set, restore",
                new FinbuckleEnterDispose(peer), new PeerEnterDispose(peer), default(Empty));
            Measure(output, rounds, "Finbuckle: save, set, 3 reads, restore  vs  raw AsyncLocal set + 3 reads + restore",
                new PeerRawUnitOfWork(peer), new FinbuckleUnitOfWork(peer), default(Empty));
            Measure(output, rounds, "TenantContext.Enter + 3 role reads + Dispose  vs  Finbuckle: save, set, 3 reads, restore",
                new FinbuckleUnitOfWork(peer), new PeerUnitOfWork(peer), default(Empty));
            peer.Cleanup();
        }
    }

    /// <summary>One benchmark method. A struct per method: each loop is compiled for its own method and calls it directly.</summary>
    private interface IOperation
    {
        object? Run();
    }

    private readonly struct Empty : IOperation
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public object? Run() => null;
    }

    private readonly struct RawSetRestore(ScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.RawSetRestore();
    }

    private readonly struct EnterDispose(ScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.EnterDispose();
    }

    private readonly struct RawUnitOfWork(ScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.RawUnitOfWork() == 0 ? null : b;
    }

    private readonly struct UnitOfWork(ScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.UnitOfWork() == 0 ? null : b;
    }

    private readonly struct GeneratedRaw(GeneratedAccessorScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.RawUnitOfWork() == 0 ? null : b;
    }

    private readonly struct GeneratedUnitOfWork(GeneratedAccessorScopeBenchmarks b) : IOperation
    {
        public object? Run() => b.GeneratedUnitOfWork() == 0 ? null : b;
    }

    private readonly struct PeerRawSetRestore(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.RawSetRestore();
    }

    private readonly struct PeerEnterDispose(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.TenantContextEnterDispose();
    }

    private readonly struct FinbuckleEnterDispose(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.FinbuckleEnterDispose();
    }

    private readonly struct PeerRawUnitOfWork(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.RawUnitOfWork() == 0 ? null : b;
    }

    private readonly struct PeerUnitOfWork(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.TenantContextUnitOfWork() == 0 ? null : b;
    }

    private readonly struct FinbuckleUnitOfWork(FinbuckleBenchmarks b) : IOperation
    {
        public object? Run() => b.FinbuckleUnitOfWork() == 0 ? null : b;
    }

    private static void Measure<TBaseline, TMeasured>(TextWriter output, int rounds, string name, TBaseline baseline, TMeasured measured, Empty empty)
        where TBaseline : struct, IOperation
        where TMeasured : struct, IOperation
    {
        // Warm up: every delegate reaches its final tier before the first timed block.
        for (int i = 0; i < 50; i++)
        {
            Block(empty);
            Block(baseline);
            Block(measured);
        }

        var baselineNs = new double[rounds];
        var measuredNs = new double[rounds];
        var ratios = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            double overhead;
            double a;
            double b;
            if (round % 2 == 0)
            {
                overhead = Block(empty);
                a = Block(baseline);
                b = Block(measured);
            }
            else
            {
                b = Block(measured);
                a = Block(baseline);
                overhead = Block(empty);
            }

            baselineNs[round] = Math.Max(a - overhead, 0.1);
            measuredNs[round] = Math.Max(b - overhead, 0.1);
            ratios[round] = measuredNs[round] / baselineNs[round];
        }

        double baselineMean = baselineNs.Average();
        double measuredMean = measuredNs.Average();
        Array.Sort(ratios);
        output.WriteLine($"| {name} | {baselineMean:F1} ns | {measuredMean:F1} ns | **{measuredMean / baselineMean:F2}** | " +
            $"{Median(ratios):F2} ({Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2}) | {rounds} |");
    }

    /// <summary>Nanoseconds of thread CPU time per operation over one block.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Block<TOperation>(TOperation operation)
        where TOperation : struct, IOperation
    {
        object? sink = null;
        long start = ThreadCpuClock.Instance.GetTimestamp();
        for (int i = 0; i < OperationsPerBlock; i++)
        {
            sink = operation.Run();
        }

        long elapsed = ThreadCpuClock.Instance.GetTimestamp() - start;
        GC.KeepAlive(sink);
        return (double)elapsed / OperationsPerBlock;
    }

    private static double Median(double[] sorted) => Quantile(sorted, 0.5);

    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)position;
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((sorted[above] - sorted[below]) * (position - below));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
