using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Tenancy.Benchmarks;

public sealed class EfItem : ITenantOwned
{
    public int Id { get; set; }

    public string TenantId { get; set; } = "";

    public string Name { get; set; } = "";
}

public sealed class EfBenchContext(DbContextOptions<EfBenchContext> options) : DbContext(options)
{
    public DbSet<EfItem> Items => Set<EfItem>();
}

internal static class EfBench
{
    public static DbContextOptions<EfBenchContext> Options(string path, bool isolated)
    {
        var builder = new DbContextOptionsBuilder<EfBenchContext>().UseSqlite($"Data Source={path}");
        if (isolated)
        {
            builder.UseTenantIsolation();
        }

        return builder.Options;
    }

    public static void Create(string path, bool walMode = true)
    {
        using var context = new EfBenchContext(Options(path, isolated: false));
        context.Database.EnsureCreated();
        if (walMode)
        {
            context.Database.ExecuteSqlRaw("PRAGMA journal_mode = WAL;");
        }
    }

    public static void Seed(EfBenchContext context, string tenant, int rows)
    {
        for (int i = 0; i < rows; i++)
        {
            context.Items.Add(new EfItem { TenantId = tenant, Name = $"{tenant}-{i}" });
        }

        context.SaveChanges();
    }
}

/// <summary>
/// Database per tenant: a point query through <c>TenantContext.Get&lt;TContext&gt;()</c> (scope, pooled context re-pointed to
/// the tenant's file) rotating across 100 tenants, next to the same query through a plain pooled context on one database.
/// Target: ≤ 1.1×.
/// </summary>
[MemoryDiagnoser]
public class EfPerTenantQueryBenchmarks
{
    private const int TenantCount = 100;
    private string _root = "";
    private TenantConfiguration _configuration = null!;
    private ConfigurationScope _flow = null!;
    private PooledDbContextFactory<EfBenchContext> _plain = null!;
    private string[] _tenants = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("ef-per-tenant");
        _configuration = TenantConfiguration.Build(b => b.UseSqlite(o => { o.DataRoot = _root; o.CreateAnyTenantOnFirstUse = true; }).AddDbContext<EfBenchContext>(o => o.UseSqlite()));
        _flow = TenantContext.UseConfiguration(_configuration);
        _tenants = Enumerable.Range(0, TenantCount).Select(i => $"tenant-{i}").ToArray();
        foreach (var tenant in _tenants)
        {
            using (TenantContext.Enter(tenant))
            {
                EfBench.Seed(TenantContext.Get<EfBenchContext>(), tenant, 20);
            }
        }

        var one = Path.Combine(_root, "one.db");
        EfBench.Create(one);
        _plain = new PooledDbContextFactory<EfBenchContext>(EfBench.Options(one, isolated: false));
        using (var context = _plain.CreateDbContext())
        {
            EfBench.Seed(context, "one", 20);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flow.Dispose();
        _configuration.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "plain pooled context, one database")]
    public string PlainPooled()
    {
        using var context = _plain.CreateDbContext();
        return context.Items.AsNoTracking().Where(i => i.Id == 7).Select(i => i.Name).First();
    }

    [Benchmark(Description = "per-tenant pooled context, 100 tenants rotating")]
    public string PerTenantRotating()
    {
        var tenant = _tenants[_next++ % TenantCount];
        using (TenantContext.Enter(tenant))
        {
            return TenantContext.Get<EfBenchContext>().Items.AsNoTracking().Where(i => i.Id == 7).Select(i => i.Name).First();
        }
    }
}

/// <summary>
/// Row level: a query on a shared table through the tenant filter, next to the same query with a hand-written
/// <c>Where(e =&gt; e.TenantId == x)</c> on an unfiltered context. Target: ≤ 1.1×.
/// </summary>
[MemoryDiagnoser]
public class EfRowLevelQueryBenchmarks
{
    private string _root = "";
    private ConfigurationScope _flow = null!;
    private TenantScope _scope = null!;
    private TenantConfiguration _configuration = null!;
    private PooledDbContextFactory<EfBenchContext> _unfiltered = null!;
    private PooledDbContextFactory<EfBenchContext> _filtered = null!;
    private string _tenant = "acme";

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("ef-row-level");
        var path = Path.Combine(_root, "shared.db");
        EfBench.Create(path);
        _unfiltered = new PooledDbContextFactory<EfBenchContext>(EfBench.Options(path, isolated: false));
        _filtered = new PooledDbContextFactory<EfBenchContext>(EfBench.Options(path, isolated: true));
        using (var context = _unfiltered.CreateDbContext())
        {
            foreach (var tenant in new[] { "acme", "globex", "initech" })
            {
                EfBench.Seed(context, tenant, 200);
            }
        }

        _configuration = TenantConfiguration.Build(_ => { });
        _flow = TenantContext.UseConfiguration(_configuration);
        _scope = TenantContext.Enter(_tenant);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _flow.Dispose();
        _configuration.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "hand-written Where(TenantId == x), unfiltered context")]
    public int HandWritten()
    {
        using var context = _unfiltered.CreateDbContext();
        var tenant = _tenant;
        return context.Items.AsNoTracking().Where(i => i.TenantId == tenant && i.Name.StartsWith("acme-1")).Count();
    }

    [Benchmark(Description = "tenant query filter (UseTenantIsolation)")]
    public int Filtered()
    {
        using var context = _filtered.CreateDbContext();
        return context.Items.AsNoTracking().Where(i => i.Name.StartsWith("acme-1")).Count();
    }
}

/// <summary>SaveChanges of 100 new rows through the tenant write guard, next to the same save without it. Target: ≤ 1.05×.</summary>
[MemoryDiagnoser]
public class EfSaveChangesBenchmarks
{
    private string _root = "";
    private ConfigurationScope _flow = null!;
    private TenantScope _scope = null!;
    private TenantConfiguration _configuration = null!;
    private PooledDbContextFactory<EfBenchContext> _unguarded = null!;
    private PooledDbContextFactory<EfBenchContext> _guarded = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = SqliteBench.NewRoot("ef-save");
        var unguarded = Path.Combine(_root, "unguarded.db");
        var guarded = Path.Combine(_root, "guarded.db");
        EfBench.Create(unguarded);
        EfBench.Create(guarded);
        _unguarded = new PooledDbContextFactory<EfBenchContext>(EfBench.Options(unguarded, isolated: false));
        _guarded = new PooledDbContextFactory<EfBenchContext>(EfBench.Options(guarded, isolated: true));
        _configuration = TenantConfiguration.Build(_ => { });
        _flow = TenantContext.UseConfiguration(_configuration);
        _scope = TenantContext.Enter("acme");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _flow.Dispose();
        _configuration.Dispose();
        SqliteBench.DeleteRoot(_root);
    }

    [Benchmark(Baseline = true, Description = "SaveChanges, 100 rows, no guard (TenantId set by hand)")]
    public int WithoutGuard()
    {
        using var context = _unguarded.CreateDbContext();
        for (int i = 0; i < 100; i++)
        {
            context.Items.Add(new EfItem { TenantId = "acme", Name = "n" });
        }

        return context.SaveChanges();
    }

    [Benchmark(Description = "SaveChanges, 100 rows, through the guard (stamped)")]
    public int WithGuard()
    {
        using var context = _guarded.CreateDbContext();
        for (int i = 0; i < 100; i++)
        {
            context.Items.Add(new EfItem { Name = "n" });
        }

        return context.SaveChanges();
    }
}
