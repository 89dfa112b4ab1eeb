using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Tenancy.Npgsql;

namespace Tenancy.Benchmarks;

/// <summary>
/// A column of <see cref="MoveBenchmarks"/> taken from the moves' own reports rather than BenchmarkDotNet's clock: the
/// median over a case's moves of its copy phase, of the copy phase over the baseline's (<c>pg_dump | psql</c>) median
/// time, of its comparison before the fence, or of its write fence. Each move appends its figures to a file in the temp
/// folder (the benchmark may run in another process than the summary); a case's setup clears its old lines.
/// </summary>
public sealed class MovePhaseColumn(string name, int field, bool ratio = false) : IColumn
{
    private static readonly string File = Path.Combine(Path.GetTempPath(), "tenantcontext-move-phases.tsv");

    /// <summary>Copy, Copy/pg_dump, PreVerify and Fence.</summary>
    public static IColumn[] All =>
    [
        new MovePhaseColumn("Copy", 1),
        new MovePhaseColumn("Copy/pg_dump", 1, ratio: true),
        new MovePhaseColumn("PreVerify", 2),
        new MovePhaseColumn("Fence", 3),
    ];

    /// <inheritdoc/>
    public string Id => "MovePhase." + name;

    /// <inheritdoc/>
    public string ColumnName => name;

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => ratio
        ? "Median copy phase of the move over the baseline's median (pg_dump | psql of the same schema, same run)"
        : $"Median {name} of the move, from its TenantMoveReport (warm-up move included)";

    /// <summary>Appends a move's figures for a case (its method name): copy phase, comparison before the fence, fence, in ms.</summary>
    public static void Record(string benchmark, TenantMoveReport report)
    {
        var values = new[] { Phase(report, TenantMovePhase.Copying), Phase(report, TenantMovePhase.PreVerifying), report.FenceDuration };
        System.IO.File.AppendAllLines(File, [benchmark + "\t" + string.Join("\t", values.Select(v => v.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)))]);
    }

    /// <summary>Removes a case's earlier figures (at its setup).</summary>
    public static void Clear(string benchmark)
    {
        if (System.IO.File.Exists(File))
        {
            System.IO.File.WriteAllLines(File, System.IO.File.ReadAllLines(File).Where(l => !l.StartsWith(benchmark + "\t", StringComparison.Ordinal)));
        }
    }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        if (!System.IO.File.Exists(File))
        {
            return "-";
        }

        var values = System.IO.File.ReadAllLines(File)
            .Select(l => l.Split('\t'))
            .Where(f => f[0] == method)
            .Select(f => double.Parse(f[field], CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        if (values.Count == 0)
        {
            return "-";
        }

        var median = values[values.Count / 2];
        if (!ratio)
        {
            return median.ToString("N0", CultureInfo.InvariantCulture) + " ms";
        }

        var baseline = summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Baseline)?.ResultStatistics?.Median;
        return baseline is > 0 ? (median / (baseline.Value / 1e6)).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
    }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    private static TimeSpan Phase(TenantMoveReport report, TenantMovePhase phase) =>
        report.Phases.Where(p => p.Phase == phase).Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
}
