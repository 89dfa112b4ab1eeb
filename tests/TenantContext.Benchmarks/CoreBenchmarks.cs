using System.Data.Common;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Tenancy.Benchmarks;

/// <summary>
/// Scope changes against the floor they are built on: a raw <see cref="AsyncLocal{T}"/> set and restore, from an empty
/// flow. Each category has its own baseline, so the Ratio column compares like with like. A model of ABP's
/// <c>ICurrentTenant.Change</c> is included as a peer reference (a model written here, not ABP itself).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ScopeBenchmarks
{
    private static readonly AsyncLocal<RawTenant?> s_raw = new();
    private static readonly AsyncLocal<AbpModel.TenantInfo?> s_abp = new();
    private readonly RawTenant _rawTenant = new("acme");
    private TenantSnapshot? _snapshot;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkTenants.Configure();

        // Warm the tenant (its resources exist), then leave: every case starts from an empty flow.
        using (TenantContext.Enter("acme"))
        {
            _ = TenantContext.GetDb();
            _ = TenantContext.GetStorage();
            _ = TenantContext.GetRenderer();
            _snapshot = TenantContext.Capture();
        }
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + restore"), BenchmarkCategory("1 scope")]
    public object? RawSetRestore()
    {
        var previous = s_raw.Value;
        s_raw.Value = _rawTenant;
        var seen = s_raw.Value;
        s_raw.Value = previous;
        return seen;
    }

    [Benchmark(Description = "TenantContext.Enter + Dispose"), BenchmarkCategory("1 scope")]
    public object EnterDispose()
    {
        var scope = TenantContext.Enter("acme");
        scope.Dispose();
        return scope;
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + 3 reads + restore"), BenchmarkCategory("2 unit of work")]
    public int RawUnitOfWork()
    {
        var previous = s_raw.Value;
        s_raw.Value = _rawTenant;
        int n = s_raw.Value!.Storage.GetHashCode() ^ s_raw.Value!.Db.GetHashCode() ^ s_raw.Value!.Renderer.GetHashCode();
        s_raw.Value = previous;
        return n;
    }

    [Benchmark(Description = "model of ABP ICurrentTenant.Change + 3 reads"), BenchmarkCategory("2 unit of work")]
    public int AbpModelUnitOfWork()
    {
        using (AbpModel.Change(s_abp, Guid.Empty, "acme"))
        {
            return s_abp.Value!.Name!.GetHashCode() ^ s_abp.Value!.TenantId.GetHashCode() ^ s_abp.Value!.Name!.Length;
        }
    }

    [Benchmark(Description = "TenantContext.Enter + 3 role reads + Dispose"), BenchmarkCategory("2 unit of work")]
    public int UnitOfWork()
    {
        using (TenantContext.Enter("acme"))
        {
            return TenantContext.GetStorage().GetHashCode() ^ TenantContext.GetDb().GetHashCode() ^ TenantContext.GetRenderer().GetHashCode();
        }
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + restore"), BenchmarkCategory("3 capture")]
    public object? RawCaptureBaseline() => RawSetRestore();

    [Benchmark(Description = "Capture() + snapshot.Enter() + Dispose, in a scope"), BenchmarkCategory("3 capture")]
    public object CaptureAndEnter()
    {
        using (TenantContext.Enter("acme"))
        {
            var snapshot = TenantContext.Capture();
            using (snapshot.Enter())
            {
                return snapshot;
            }
        }
    }

    [Benchmark(Description = "snapshot.Enter() + Dispose"), BenchmarkCategory("3 capture")]
    public object SnapshotEnter()
    {
        using (_snapshot!.Enter())
        {
            return _snapshot;
        }
    }
}

/// <summary>Reads on a warm tenant, from inside one scope (and, for the raw baseline, one AsyncLocal value).</summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ReadBenchmarks
{
    private static readonly AsyncLocal<RawTenant?> s_raw = new();
    private TenantScope? _scope;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkTenants.Configure();
        _scope = TenantContext.Enter("acme");
        _ = TenantContext.GetDb();
        _ = TenantContext.GetStorage();
        _ = TenantContext.GetRenderer();
        _ = TenantContext.Get<BenchmarkTenants.Clock>();
        s_raw.Value = new RawTenant("acme");
    }

    [GlobalCleanup]
    public void Cleanup() => _scope?.Dispose();

    [Benchmark(Baseline = true, Description = "raw AsyncLocal read of a field"), BenchmarkCategory("4 read")]
    public object RawRead() => s_raw.Value!.Storage;

    [Benchmark(Description = "TenantContext.GetStorage()"), BenchmarkCategory("4 read")]
    public object GetStorage() => TenantContext.GetStorage();

    [Benchmark(Description = "TenantContext.Get<T>()"), BenchmarkCategory("4 read")]
    public object GetService() => TenantContext.Get<BenchmarkTenants.Clock>();

    [Benchmark(Baseline = true, Description = "await Task.Yield() under a raw AsyncLocal"), BenchmarkCategory("5 await")]
    public async Task<object> RawAwait()
    {
        await Task.Yield();
        return s_raw.Value!.Storage;
    }

    [Benchmark(Description = "await Task.Yield() inside a tenant scope"), BenchmarkCategory("5 await")]
    public async Task<object> ScopeAwait()
    {
        await Task.Yield();
        return TenantContext.GetStorage();
    }
}

internal sealed class RawTenant(string slug)
{
    public string Slug { get; } = slug;
    public object Storage { get; } = new object();
    public object Db { get; } = new object();
    public object Renderer { get; } = new object();
}

/// <summary>The process-wide configuration every core benchmark uses.</summary>
internal static class BenchmarkTenants
{
    internal sealed class Clock;

    internal static void Configure() => TenantContext.Configure(b => b
        .Db(t => new NullDatabase())
        .Storage(t => new FileTenantStorage(Path.Combine(Path.GetTempPath(), "tc-bench", t.Slug)))
        .Renderer(t => new UpperRenderer())
        .Add(t => new Clock()));

    private sealed class UpperRenderer : ITenantRenderer
    {
        public string Render(string source) => source.ToUpperInvariant();
    }

    private sealed class NullDatabase : ITenantDatabase
    {
        public DbConnection OpenConnection() => throw new NotSupportedException();

        public ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

/// <summary>
/// A faithful model of ABP's <c>CurrentTenant.Change</c>: an AsyncLocal holding a new tenant-info object per change,
/// restored by a dispose action that captures the parent. Written here from ABP's documented shape; not ABP's code.
/// </summary>
internal static class AbpModel
{
    internal sealed class TenantInfo(Guid? tenantId, string? name)
    {
        public Guid? TenantId { get; } = tenantId;
        public string? Name { get; } = name;
    }

    internal sealed class DisposeAction<T>(Action<T> action, T state) : IDisposable
    {
        public void Dispose() => action(state);
    }

    // ABP's Change is an interface call on an injected service: never inlined, so its dispose action escapes to the heap.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static IDisposable Change(AsyncLocal<TenantInfo?> current, Guid? id, string? name)
    {
        var parent = current.Value;
        current.Value = new TenantInfo(id, name);
        return new DisposeAction<(AsyncLocal<TenantInfo?>, TenantInfo?)>(static s => s.Item1.Value = s.Item2, (current, parent));
    }
}
