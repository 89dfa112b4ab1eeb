using BenchmarkDotNet.Attributes;

namespace Tenancy.Benchmarks;

/// <summary>The accessor class the generator turns into <c>BenchWiki.Db</c>, <c>.Storage</c>, <c>.Renderer</c>.</summary>
[TenantAccessors]
public static partial class BenchWiki
{
    public static partial BenchDatabase Db { get; }

    public static partial BenchStorage Storage { get; }

    public static partial BenchRenderer Renderer { get; }
}

public sealed class BenchDatabase;

public sealed class BenchStorage;

public sealed class BenchRenderer;

/// <summary>What a hand-written floor keeps in its <see cref="AsyncLocal{T}"/>: the tenant's three resources.</summary>
internal sealed class RawWikiResources
{
    public readonly BenchDatabase Db = new();
    public readonly BenchStorage Storage = new();
    public readonly BenchRenderer Renderer = new();
}

/// <summary>
/// One read inside an open scope: a generated accessor against a raw <see cref="AsyncLocal{T}"/> read of a field
/// (the floor) and against <see cref="TenantContext.Get{T}"/>. Target: generated ≤ 1.2× the floor, 0 B.
/// </summary>
[MemoryDiagnoser]
public class GeneratedAccessorReadBenchmarks
{
    private static readonly AsyncLocal<RawWikiResources?> s_raw = new();
    private TenantScope? _scope;

    [GlobalSetup]
    public void Setup()
    {
        TenantContext.Configure(b => BenchWiki.Register(b, _ => new BenchDatabase(), _ => new BenchStorage(), _ => new BenchRenderer()));

        // Both stay current on the benchmark thread: set synchronously, with no await to undo them.
        s_raw.Value = new RawWikiResources();
        _scope = BenchWiki.Enter("acme");
        _ = BenchWiki.Db; // created once, cached per tenant
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope?.Dispose();
        s_raw.Value = null;
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal read of a field")]
    public object RawRead() => s_raw.Value!.Db;

    [Benchmark(Description = "generated accessor (BenchWiki.Db)")]
    public object GeneratedRead() => BenchWiki.Db;

    [Benchmark(Description = "TenantContext.Get<T>()")]
    public object GetOfT() => TenantContext.Get<BenchDatabase>();
}

/// <summary>
/// A unit of work from an empty flow: <c>BenchWiki.Enter(slug)</c> + three accessor reads + dispose, against the
/// hand-written floor (raw <see cref="AsyncLocal{T}"/> set + three reads + restore). Target: ≤ 1.15× the floor.
/// </summary>
[MemoryDiagnoser]
public class GeneratedAccessorScopeBenchmarks
{
    private static readonly AsyncLocal<RawWikiResources?> s_raw = new();
    private readonly RawWikiResources _resources = new();

    [GlobalSetup]
    public void Setup()
    {
        TenantContext.Configure(b => BenchWiki.Register(b, _ => new BenchDatabase(), _ => new BenchStorage(), _ => new BenchRenderer()));

        // Warm the tenant (its resources exist), then leave: every case starts from an empty flow.
        using (BenchWiki.Enter("acme"))
        {
            _ = BenchWiki.Db;
            _ = BenchWiki.Storage;
            _ = BenchWiki.Renderer;
        }
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + 3 reads + restore")]
    public int RawUnitOfWork()
    {
        var previous = s_raw.Value;
        s_raw.Value = _resources;
        int n = s_raw.Value!.Db.GetHashCode() ^ s_raw.Value!.Storage.GetHashCode() ^ s_raw.Value!.Renderer.GetHashCode();
        s_raw.Value = previous;
        return n;
    }

    [Benchmark(Description = "BenchWiki.Enter + 3 generated reads + Dispose")]
    public int GeneratedUnitOfWork()
    {
        using (BenchWiki.Enter("acme"))
        {
            return BenchWiki.Db.GetHashCode() ^ BenchWiki.Storage.GetHashCode() ^ BenchWiki.Renderer.GetHashCode();
        }
    }
}
