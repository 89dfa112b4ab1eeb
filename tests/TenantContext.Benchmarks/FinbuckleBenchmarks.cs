using System.Linq.Expressions;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Tenancy.Benchmarks;

/// <summary>
/// The peer table: TenantContext against a Finbuckle.MultiTenant build loaded by path (<c>--finbuckle DIR</c>, passed to
/// the benchmark processes as <see cref="FinbuckleBuild.DirectoryVariable"/>), each next to the raw AsyncLocal floor in
/// the same run. Finbuckle is driven through its public API only: its accessor and setter, compiled once into direct calls.
/// Every case is called through a delegate on all three sides, so the call costs the same everywhere.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FinbuckleBenchmarks
{
    private static readonly AsyncLocal<RawTenant?> s_raw = new();
    private readonly RawTenant _rawTenant = new("acme");
    private Func<int> _rawUnitOfWork = null!;
    private Func<object?> _rawSetRestore = null!;
    private Func<int> _tenantContextUnitOfWork = null!;
    private Func<object> _tenantContextEnterDispose = null!;
    private Func<int> _finbuckleUnitOfWork = null!;
    private Func<object?> _finbuckleEnterDispose = null!;
    private Action? _clearFinbuckle;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkTenants.Configure();
        using (TenantContext.Enter("acme"))
        {
            _ = TenantContext.GetDb();
            _ = TenantContext.GetStorage();
            _ = TenantContext.GetRenderer();
        }

        var finbuckle = FinbuckleBuild.Load();
        _clearFinbuckle = finbuckle.Clear();
        _rawSetRestore = () =>
        {
            var previous = s_raw.Value;
            s_raw.Value = _rawTenant;
            var seen = s_raw.Value;
            s_raw.Value = previous;
            return seen;
        };
        _rawUnitOfWork = () =>
        {
            var previous = s_raw.Value;
            s_raw.Value = _rawTenant;
            int n = s_raw.Value!.Storage.GetHashCode() ^ s_raw.Value!.Db.GetHashCode() ^ s_raw.Value!.Renderer.GetHashCode();
            s_raw.Value = previous;
            return n;
        };
        _tenantContextEnterDispose = static () =>
        {
            var scope = TenantContext.Enter("acme");
            scope.Dispose();
            return scope;
        };
        _tenantContextUnitOfWork = static () =>
        {
            using (TenantContext.Enter("acme"))
            {
                return TenantContext.GetStorage().GetHashCode() ^ TenantContext.GetDb().GetHashCode() ^ TenantContext.GetRenderer().GetHashCode();
            }
        };
        _finbuckleEnterDispose = finbuckle.SetRestore();
        _finbuckleUnitOfWork = finbuckle.UnitOfWork();
    }

    /// <summary>Finbuckle's accessor sets a default context on first read: clear it, so in-process runs leave the next case a clean flow.</summary>
    [GlobalCleanup]
    public void Cleanup() => _clearFinbuckle?.Invoke();

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + 3 reads + restore"), BenchmarkCategory("1 unit of work")]
    public int RawUnitOfWork() => _rawUnitOfWork();

    [Benchmark(Description = "TenantContext: Enter + 3 role reads + Dispose"), BenchmarkCategory("1 unit of work")]
    public int TenantContextUnitOfWork() => _tenantContextUnitOfWork();

    [Benchmark(Description = "Finbuckle: save, set, 3 reads, restore"), BenchmarkCategory("1 unit of work")]
    public int FinbuckleUnitOfWork() => _finbuckleUnitOfWork();

    [Benchmark(Baseline = true, Description = "raw AsyncLocal set + restore"), BenchmarkCategory("2 enter + dispose")]
    public object? RawSetRestore() => _rawSetRestore();

    [Benchmark(Description = "TenantContext: Enter + Dispose"), BenchmarkCategory("2 enter + dispose")]
    public object TenantContextEnterDispose() => _tenantContextEnterDispose();

    [Benchmark(Description = "Finbuckle: save, set, restore"), BenchmarkCategory("2 enter + dispose")]
    public object? FinbuckleEnterDispose() => _finbuckleEnterDispose();
}

/// <summary>
/// One read of the current tenant, inside a scope (and under a set Finbuckle context), as in a request. A class of its
/// own: the state it leaves on the flow must not reach the scope cases (in-process runs share the thread).
/// </summary>
[MemoryDiagnoser]
public class FinbuckleReadBenchmarks
{
    private static readonly AsyncLocal<RawTenant?> s_raw = new();
    private Func<object?> _finbuckleRead = null!;
    private Func<object> _tenantContextRead = null!;
    private Func<object?> _rawRead = null!;
    private TenantScope? _scope;
    private Action? _restoreFinbuckle;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkTenants.Configure();
        var finbuckle = FinbuckleBuild.Load();
        _finbuckleRead = finbuckle.Read();
        _restoreFinbuckle = finbuckle.SetForReads();
        s_raw.Value = new RawTenant("acme");
        _scope = TenantContext.Enter("acme");
        _ = TenantContext.GetStorage();
        _tenantContextRead = static () => TenantContext.GetStorage();
        _rawRead = static () => s_raw.Value!.Storage;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope?.Dispose();
        s_raw.Value = null;
        _restoreFinbuckle?.Invoke();
    }

    [Benchmark(Baseline = true, Description = "raw AsyncLocal read of a field")]
    public object? RawRead() => _rawRead();

    [Benchmark(Description = "TenantContext.GetStorage()")]
    public object TenantContextRead() => _tenantContextRead();

    [Benchmark(Description = "Finbuckle: accessor.MultiTenantContext.TenantInfo")]
    public object? FinbuckleRead() => _finbuckleRead();
}

/// <summary>
/// A Finbuckle.MultiTenant build loaded from a directory at run time, and its public API compiled into delegates
/// (expression trees over its types: direct calls, the instances in typed static fields).
/// </summary>
internal sealed partial class FinbuckleBuild
{
    /// <summary>The environment variable that carries <c>--finbuckle DIR</c> to the benchmark processes.</summary>
    internal const string DirectoryVariable = "TC_FINBUCKLE_DIR";

    private const string Namespace = "Finbuckle.MultiTenant.Abstractions";

    private readonly Type _tenantInfo;
    private readonly Type _accessor;
    private readonly Type _context;
    private readonly Type _setter;
    private readonly Expression _accessorField;
    private readonly Expression _tenantField;
    private readonly Assembly _abstractions;
    private readonly object _tenant;

    private FinbuckleBuild(Assembly abstractions)
    {
        _abstractions = abstractions;
        _tenantInfo = Required(abstractions, $"{Namespace}.TenantInfo");
        _accessor = Required(abstractions, $"{Namespace}.AsyncLocalMultiTenantContextAccessor`1").MakeGenericType(_tenantInfo);
        _context = Required(abstractions, $"{Namespace}.MultiTenantContext`1").MakeGenericType(_tenantInfo);
        _setter = Required(abstractions, $"{Namespace}.IMultiTenantContextSetter");

        var tenant = Activator.CreateInstance(_tenantInfo)!;
        _tenantInfo.GetProperty("Id")!.SetValue(tenant, "acme-id");
        _tenantInfo.GetProperty("Identifier")!.SetValue(tenant, "acme");
        _tenantInfo.GetProperty("Name")!.SetValue(tenant, "Acme");
        _accessorField = Holder(_accessor, Activator.CreateInstance(_accessor)!);
        _tenantField = Holder(_tenantInfo, tenant);
        _tenant = tenant;
    }

    internal static FinbuckleBuild Load()
    {
        var directory = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(directory))
        {
            throw new InvalidOperationException(
                $"FinbuckleBenchmarks need a Finbuckle.MultiTenant build: run the benchmarks with --finbuckle DIR (the folder holding {Namespace}.dll).");
        }

        var path = Path.Combine(Path.GetFullPath(directory), $"{Namespace}.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No {Namespace}.dll in '{directory}'. Build Finbuckle.MultiTenant there (see the README's benchmark section) or pass the folder that holds it.", path);
        }

        return new FinbuckleBuild(Assembly.LoadFrom(path));
    }

    private static Type Required(Assembly assembly, string name)
        => assembly.GetType(name) ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no {name}: this mode was written against Finbuckle.MultiTenant 10.1.2's public API.");

    /// <summary>A typed static field holding <paramref name="value"/>: read without a cast in the compiled delegates.</summary>
    private static Expression Holder(Type type, object value)
    {
        var holder = typeof(StaticHolder<>).MakeGenericType(type);
        var field = holder.GetField(nameof(StaticHolder<object>.Value))!;
        field.SetValue(null, value);
        return Expression.Field(null, field);
    }

    /// <summary><c>accessor.MultiTenantContext</c> (the typed property).</summary>
    private Expression CurrentContext() => Expression.Property(_accessorField, "MultiTenantContext");

    /// <summary><c>((IMultiTenantContextSetter)accessor).MultiTenantContext = value</c>.</summary>
    private Expression SetContext(Expression value)
        => Expression.Assign(Expression.Property(Expression.Convert(_accessorField, _setter), "MultiTenantContext"), value);

    private Expression NewContext() => Expression.New(_context.GetConstructor([_tenantInfo])!, _tenantField);

    private Expression TenantInfo() => Expression.Property(CurrentContext(), "TenantInfo");

    private static Expression Hash(Expression value) => Expression.Call(value, typeof(object).GetMethod(nameof(GetHashCode))!);

    /// <summary>save, set, 3 reads (Id, Identifier, Name of the current tenant), restore.</summary>
    internal Func<int> UnitOfWork()
    {
        var saved = Expression.Variable(CurrentContext().Type, "saved");
        var result = Expression.Variable(typeof(int), "result");
        var body = Expression.Block(
            [saved, result],
            Expression.Assign(saved, CurrentContext()),
            SetContext(NewContext()),
            Expression.Assign(result, Expression.ExclusiveOr(
                Expression.ExclusiveOr(Hash(Expression.Property(TenantInfo(), "Id")), Hash(Expression.Property(TenantInfo(), "Identifier"))),
                Hash(Expression.Property(TenantInfo(), "Name")))),
            SetContext(saved),
            result);
        return Expression.Lambda<Func<int>>(body).Compile();
    }

    /// <summary>save, set, restore.</summary>
    internal Func<object?> SetRestore()
    {
        var saved = Expression.Variable(CurrentContext().Type, "saved");
        var body = Expression.Block(
            [saved],
            Expression.Assign(saved, CurrentContext()),
            SetContext(NewContext()),
            SetContext(saved),
            Expression.Convert(saved, typeof(object)));
        return Expression.Lambda<Func<object?>>(body).Compile();
    }

    /// <summary>One read of the current tenant.</summary>
    internal Func<object?> Read() => Expression.Lambda<Func<object?>>(Expression.Convert(TenantInfo(), typeof(object))).Compile();

    /// <summary>Removes Finbuckle's context from this flow.</summary>
    internal Action Clear() => Expression.Lambda<Action>(SetContext(Expression.Constant(null, CurrentContext().Type))).Compile();

    /// <summary>Sets the tenant on this flow (for the read case); returns what restores the previous context.</summary>
    internal Action SetForReads()
    {
        var saved = Expression.Lambda<Func<object>>(Expression.Convert(CurrentContext(), typeof(object))).Compile()();
        Expression.Lambda<Action>(SetContext(NewContext())).Compile()();
        var restore = Expression.Lambda<Action>(SetContext(Expression.Convert(Expression.Constant(saved), CurrentContext().Type))).Compile();
        return restore;
    }
}

/// <summary>One typed static slot per type.</summary>
internal static class StaticHolder<T>
{
    public static T Value = default!;
}
