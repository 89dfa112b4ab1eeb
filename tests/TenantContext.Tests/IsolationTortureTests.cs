using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Xunit.Abstractions;

namespace Tenancy.Tests;

/// <summary>
/// The torture run: at least 1,000,000 interleaved async operations over 64 tenants, under eviction pressure (at most
/// 8 tenants cached), with nested scopes of the same and of other tenants, overrides (nested ones too), snapshots
/// re-entered by channel consumers, child tasks, and the process-wide configuration replaced by
/// <see cref="TenantContext.Configure"/> every few milliseconds. No operation may observe another tenant (its slug, its
/// resources or another flow's overrides), and no resource may be disposed under a live scope; when it is all over,
/// every resource has been disposed exactly once. Set <c>TC_TORTURE_OPERATIONS</c> for a longer run.
/// </summary>
[Collection("ProcessConfiguration")]
public sealed class IsolationTortureTests(ITestOutputHelper output) : IDisposable
{
    private const int Tenants = 64;
    private const int Flows = 24;
    private const int MaxCachedTenants = 8;

    private static readonly string[] s_slugs = Enumerable.Range(0, Tenants).Select(i => $"tenant-{i:d2}").ToArray();

    public void Dispose() => ScopeFlow.ClearProcess();

    private sealed class Marker(string slug) : Tracked(slug);

    /// <summary>A flow's own override (registered too: scopes without the override get the tenant's, with flow -1).</summary>
    private sealed class FlowToken(string slug, int flow) : Tracked(slug)
    {
        public int Flow { get; } = flow;
    }

    private sealed record Work(TenantSnapshot Snapshot, string Slug, FlowToken Token);

    private sealed class Run
    {
        public readonly ConcurrentQueue<string> Failures = new();
        public readonly ConcurrentBag<Tracked> Created = new();
        public long Operations;
        public long CrossTenant;
        public long DisposedUnderLiveScope;
        public long Refused;
        public long Errors;
        public int Replacements;

        public T Track<T>(T resource) where T : Tracked
        {
            Created.Add(resource);
            return resource;
        }

        public void Fail(ref long counter, string what)
        {
            Interlocked.Increment(ref counter);
            if (Failures.Count < 10)
            {
                Failures.Enqueue(what);
            }
        }

        /// <summary>One operation: exactly this tenant, its live resources, and the expected token (null: the tenant's registered one).</summary>
        public void Check(string slug, FlowToken? token)
        {
            Interlocked.Increment(ref Operations);
            try
            {
                if (!TenantContext.IsActive)
                {
                    Fail(ref CrossTenant, $"no scope where {slug} was expected");
                    return;
                }

                var current = TenantContext.Current.Slug;
                var storage = (FakeStorage)TenantContext.GetStorage();
                var marker = TenantContext.Get<Marker>();
                var perScope = TenantContext.Get<PerScopeThing>();
                var seen = TenantContext.Get<FlowToken>();
                if (current != slug || storage.Slug != slug || marker.Slug != slug || perScope.Slug != slug || seen.Slug != slug)
                {
                    Fail(ref CrossTenant, $"expected {slug}, saw tenant {current}, {storage}, {marker}, {perScope}, {seen}");
                }
                else if (token is null ? seen.Flow != -1 : !ReferenceEquals(seen, token))
                {
                    Fail(ref CrossTenant, $"{slug}: expected token {token?.ToString() ?? "registered"}, saw {seen} of flow {seen.Flow}");
                }

                if (storage.IsDisposed || marker.IsDisposed || perScope.IsDisposed || seen.IsDisposed)
                {
                    Fail(ref DisposedUnderLiveScope, $"{slug}: a live scope was handed a disposed resource: {storage}, {marker}, {perScope}, {seen}");
                }
            }
            catch (Exception ex)
            {
                Fail(ref Errors, $"{slug}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static void Configure(Run run) => TenantContext.Configure(b => b
        .MaxCachedTenants(MaxCachedTenants)
        .Storage(t => run.Track(new FakeStorage(t.Slug)))
        .Add(t => run.Track(new Marker(t.Slug)))
        .Add(t => run.Track(new FlowToken(t.Slug, -1)))
        .Add(t => run.Track(new PerScopeThing(t.Slug)), TenantLifetime.PerScope));

    [Fact]
    public async Task A_million_interleaved_operations_never_observe_another_tenant_nor_a_resource_disposed_under_a_live_scope()
    {
        long target = long.TryParse(Environment.GetEnvironmentVariable("TC_TORTURE_OPERATIONS"), out var n) && n > 0 ? n : 1_000_000;
        var run = new Run();
        Configure(run);
        var stopwatch = Stopwatch.StartNew();
        var channel = Channel.CreateBounded<Work>(256);
        using var done = new CancellationTokenSource();

        Task[] background;
        using (ExecutionContext.SuppressFlow())
        {
            // Consumers start outside any scope: only the snapshot carries the tenant (and the flow's override).
            var consumers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                await foreach (var work in channel.Reader.ReadAllAsync())
                {
                    TenantScope scope;
                    try
                    {
                        scope = work.Snapshot.Enter();
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref run.Refused); // captured from a configuration replaced since: refused, as documented
                        continue;
                    }

                    using (scope)
                    {
                        run.Check(work.Slug, work.Token);
                    }
                }
            }));

            var replacer = Task.Run(async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    await Task.Delay(15);
                    Configure(run);
                    Interlocked.Increment(ref run.Replacements);
                }
            });

            background = [.. consumers, replacer];
        }

        var flows = Enumerable.Range(0, Flows).Select(flow => Task.Run(() => Flow(flow))).ToArray();
        await Task.WhenAll(flows);
        channel.Writer.Complete();
        done.Cancel();
        await Task.WhenAll(background);
        TenantContext.Configure(_ => { });
        stopwatch.Stop();

        var notOnce = run.Created.Where(r => r.DisposeCount != 1).ToList();
        output.WriteLine(
            $"{run.Operations:N0} operations over {Tenants} tenants and {Flows} flows in {stopwatch.Elapsed.TotalSeconds:F1} s: " +
            $"{run.Replacements} configuration replacements, {run.Created.Count:N0} resources created, {run.Refused:N0} snapshot or scope entries refused by a replaced configuration; " +
            $"{run.CrossTenant} cross-tenant observations, {run.DisposedUnderLiveScope} resources disposed under a live scope, {run.Errors} errors, {notOnce.Count} resources not disposed exactly once.");
        foreach (var failure in run.Failures)
        {
            output.WriteLine("  " + failure);
        }

        Assert.True(run.Operations >= target, $"only {run.Operations} operations");
        Assert.Equal(0, run.CrossTenant);
        Assert.Equal(0, run.DisposedUnderLiveScope);
        Assert.Equal(0, run.Errors);
        Assert.Empty(notOnce.Take(5).Select(r => $"{r}: disposed {r.DisposeCount} time(s)"));

        async Task Flow(int flow)
        {
            var random = new Random(flow);
            while (Volatile.Read(ref run.Operations) < target)
            {
                var slug = s_slugs[random.Next(Tenants)];
                var token = new FlowToken(slug, flow);
                TenantScope scope;
                try
                {
                    scope = TenantContext.Enter(slug, o => o.Use(token));
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref run.Refused); // entered in the instant a replacement disposed the configuration
                    continue;
                }

                using (scope)
                {
                    var perScope = TenantContext.Get<PerScopeThing>();
                    for (int step = 0; step < 8; step++)
                    {
                        try
                        {
                            await Step(random.Next(9), slug, token, perScope, random);
                        }
                        catch (Exception ex)
                        {
                            run.Fail(ref run.Errors, $"{slug}, flow {flow}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            }
        }

        async Task Step(int kind, string slug, FlowToken token, PerScopeThing perScope, Random random)
        {
            switch (kind)
            {
                case 0:
                    run.Check(slug, token);
                    break;

                case 1:
                    await Task.Yield();
                    run.Check(slug, token);
                    break;

                case 2:
                    await Task.Run(() => run.Check(slug, token));
                    break;

                case 3:
                {
                    // Another tenant nested inside: its own resources, none of this flow's overrides.
                    var other = s_slugs[random.Next(Tenants)];
                    using (TenantContext.Enter(other))
                    {
                        var expected = other == slug ? token : null;
                        run.Check(other, expected);
                        await Task.Yield();
                        run.Check(other, expected);
                    }

                    run.Check(slug, token);
                    break;
                }

                case 4:
                    // The same tenant nested: the same overrides and the same per-scope resources.
                    using (TenantContext.Enter(slug))
                    {
                        run.Check(slug, token);
                        if (!ReferenceEquals(perScope, TenantContext.Get<PerScopeThing>()))
                        {
                            run.Fail(ref run.CrossTenant, $"{slug}: a nested scope of the same tenant did not share the per-scope resource");
                        }
                    }

                    break;

                case 5:
                    await channel.Writer.WriteAsync(new Work(TenantContext.Capture(), slug, token));
                    run.Check(slug, token);
                    break;

                case 6:
                    await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
                    {
                        await Task.Yield();
                        run.Check(slug, token);
                    })));
                    break;

                case 7:
                {
                    // An override nested in the same tenant: its own token and its own per-scope resources.
                    var inner = new FlowToken(slug, token.Flow);
                    PerScopeThing innerPerScope;
                    using (TenantContext.Enter(slug, o => o.Use(inner)))
                    {
                        await Task.Yield();
                        run.Check(slug, inner);
                        innerPerScope = TenantContext.Get<PerScopeThing>();
                    }

                    if (ReferenceEquals(innerPerScope, perScope) || !innerPerScope.IsDisposed)
                    {
                        run.Fail(ref run.CrossTenant, $"{slug}: a per-scope resource made under a nested override escaped it");
                    }

                    run.Check(slug, token);
                    break;
                }

                default:
                    for (int k = 0; k < 4; k++)
                    {
                        run.Check(slug, token);
                    }

                    break;
            }
        }
    }
}
