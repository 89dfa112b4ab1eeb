using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace Tenancy.Benchmarks;

/// <summary>
/// The profile of a scope: what each part it may be built from costs on this machine, in one run. The scope's own
/// rows (<see cref="ScopeBenchmarks"/>) are these parts added up; the README lists which parts the old and the new
/// scope use.
/// </summary>
[MemoryDiagnoser]
public class ScopePartsBenchmarks
{
    private static readonly AsyncLocal<object?> s_local = new();
    private readonly ConcurrentDictionary<string, object> _tenants = new(StringComparer.Ordinal);
    private readonly object _value = new();
    private string _slug = "acme";
    private object? _last;
    private int _counter;

    [ThreadStatic]
    private static object?[]? t_registry;

    [ThreadStatic]
    private static LastEntered? t_lastEntered;

    private static readonly object s_released = new();
    private readonly Scope40 _scope = new(new object(), new object(), s_released);

    [GlobalSetup]
    public void Setup()
    {
        _tenants["acme"] = _value;
        _last = _value;
        _slug = new string("acme".AsSpan()); // not the interned literal: a slug parsed from a request
        s_local.Value = _value;
        t_registry = new object?[16];
        t_lastEntered = new LastEntered { Last = new Scope40(_value, _value, s_released) };
    }

    [Benchmark(Baseline = true, Description = "AsyncLocal read")]
    public object? AsyncLocalRead() => s_local.Value;

    [Benchmark(Description = "AsyncLocal write (set + restore, per write)", OperationsPerInvoke = 2)]
    public object? AsyncLocalWrite()
    {
        var previous = s_local.Value;
        s_local.Value = _slug;
        s_local.Value = previous;
        return previous;
    }

    [Benchmark(Description = "Activity.Current read")]
    public object? ActivityCurrent() => Activity.Current;

    [Benchmark(Description = "tenant lookup: ConcurrentDictionary hit")]
    public object TenantLookup() => _tenants[_slug];

    [Benchmark(Description = "tenant lookup: last-entered hint hit")]
    public object? LastEnteredHint() => _last is { } last && string.Equals("acme", _slug, StringComparison.Ordinal) ? last : null;

    [Benchmark(Description = "Interlocked.Increment")]
    public int InterlockedIncrement() => Interlocked.Increment(ref _counter);

    [Benchmark(Description = "Interlocked.Exchange")]
    public object? InterlockedExchange() => Interlocked.Exchange(ref _last, _value);

    [Benchmark(Description = "40-byte object (a scope)")]
    public object Allocate40() => new Scope40(_value, _value, _value);

    [Benchmark(Description = "[ThreadStatic] array append (live-scope registration before #17)")]
    public object? ThreadStaticAppend()
    {
        var registry = t_registry!;
        registry[_counter & 15] = _value;
        return registry;
    }

    [Benchmark(Description = "[ThreadStatic] last-entered overwrite (live-scope record since #17: the ended scope is replaced)")]
    public object? ThreadStaticLastEntered()
    {
        var record = t_lastEntered!;
        if (record.Last is not { } last || ReferenceEquals(Volatile.Read(ref last.C), s_released))
        {
            Volatile.Write(ref record.Last, _scope);
        }

        return record;
    }

    private sealed class LastEntered
    {
        public Scope40? Last;
    }

    private sealed class Scope40(object a, object b, object c)
    {
        public object A = a;
        public object B = b;
        public object C = c;
    }
}
