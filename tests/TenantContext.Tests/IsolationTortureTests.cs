using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Xunit.Abstractions;

namespace Tenancy.Tests;

/// <summary>
/// Many tenants, many flows, every way .NET moves work around: no operation may ever observe another tenant's
/// slug, resources or injected overrides.
/// </summary>
public sealed class IsolationTortureTests(ITestOutputHelper output)
{
    private const int Tenants = 32;
    private const int FlowsPerTenant = 4;
    private const int Iterations = 400;

    private sealed class Marker(string slug) : Tracked(slug);

    /// <summary>What a flow injects as an override (registered too, so other tenants' scopes resolve their own).</summary>
    private sealed class FlowToken(string slug, int flow) : Tracked(slug)
    {
        public int Flow { get; } = flow;
    }

    private sealed record Work(TenantSnapshot Snapshot, string Slug, FlowToken Token);

    private sealed class Run(bool checkIdentity)
    {
        public readonly Dictionary<string, ITenantStorage> Storage = new();
        public readonly Dictionary<string, Marker> Markers = new();
        public readonly Dictionary<string, FlowToken> RegisteredTokens = new();
        public readonly ConcurrentQueue<string> Failures = new();
        public long Operations;
        public long Mismatches;

        public void Fail(string what)
        {
            Interlocked.Increment(ref Mismatches);
            if (Failures.Count < 10)
            {
                Failures.Enqueue(what);
            }
        }

        /// <summary>One operation: the flow must see exactly its tenant, that tenant's resources and its own override.</summary>
        public void Check(string slug, FlowToken token)
        {
            Interlocked.Increment(ref Operations);
            try
            {
                if (!TenantContext.IsActive)
                {
                    Fail($"no scope where {slug} was expected");
                    return;
                }

                var current = TenantContext.Current.Slug;
                var storage = (FakeStorage)TenantContext.GetStorage();
                var marker = TenantContext.Get<Marker>();
                var seenToken = TenantContext.Get<FlowToken>();
                if (current != slug || storage.Slug != slug || marker.Slug != slug || storage.IsDisposed || marker.IsDisposed)
                {
                    Fail($"expected {slug}, saw tenant {current}, storage {storage}, marker {marker}");
                }
                else if (!ReferenceEquals(seenToken, token))
                {
                    Fail($"expected token {token} (flow {token.Flow}), saw {seenToken}");
                }
                else if (checkIdentity && (!ReferenceEquals(storage, Storage[slug]) || !ReferenceEquals(marker, Markers[slug])))
                {
                    Fail($"{slug} saw a second instance of its per-tenant resources");
                }
            }
            catch (Exception ex)
            {
                Fail($"{slug}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static async Task HopAsync()
    {
        await Task.Yield();
    }

    [Theory]
    [InlineData(1024)] // every tenant stays cached: resource identity is checked too
    [InlineData(8)] // a quarter of the tenants fit: eviction runs all the time underneath
    public async Task No_operation_ever_observes_another_tenant(int maxCachedTenants)
    {
        bool checkIdentity = maxCachedTenants >= Tenants;
        var run = new Run(checkIdentity);
        var slugs = Enumerable.Range(0, Tenants).Select(i => $"tenant-{i:d2}").ToArray();
        int storagesCreated = 0;
        using var configuration = TenantConfiguration.Build(b => b
            .MaxCachedTenants(maxCachedTenants)
            .Storage(t =>
            {
                Interlocked.Increment(ref storagesCreated);
                return new FakeStorage(t.Slug);
            })
            .Add(t => new Marker(t.Slug))
            .Add(t => new FlowToken(t.Slug, -1)));

        var stopwatch = Stopwatch.StartNew();
        var channel = Channel.CreateUnbounded<Work>();
        Task[] consumers;
        using (ExecutionContext.SuppressFlow())
        {
            // Started outside any scope and any configuration: only the snapshot carries the tenant.
            consumers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                await foreach (var work in channel.Reader.ReadAllAsync())
                {
                    if (TenantContext.IsActive)
                    {
                        run.Fail("the channel consumer saw a scope before re-entering the snapshot");
                    }

                    using (work.Snapshot.Enter())
                    {
                        run.Check(work.Slug, work.Token);
                    }
                }
            })).ToArray();
        }

        using (TenantContext.UseConfiguration(configuration))
        {
            if (checkIdentity)
            {
                foreach (var slug in slugs)
                {
                    using (TenantContext.Enter(slug))
                    {
                        run.Storage[slug] = TenantContext.GetStorage();
                        run.Markers[slug] = TenantContext.Get<Marker>();
                        run.RegisteredTokens[slug] = TenantContext.Get<FlowToken>();
                    }
                }
            }

            var flows = Enumerable.Range(0, Tenants * FlowsPerTenant)
                .Select(flow => Task.Run(() => Flow(flow)))
                .ToArray();
            await Task.WhenAll(flows);
        }

        channel.Writer.Complete();
        await Task.WhenAll(consumers);
        stopwatch.Stop();

        output.WriteLine($"MaxCachedTenants={maxCachedTenants}: {run.Operations:N0} operations over {Tenants} tenants and {Tenants * FlowsPerTenant} flows in {stopwatch.Elapsed.TotalSeconds:F2} s; {run.Mismatches} mismatches; {storagesCreated} storages created.");
        foreach (var failure in run.Failures)
        {
            output.WriteLine("  " + failure);
        }

        Assert.True(run.Operations >= 100_000, $"only {run.Operations} operations");
        Assert.Equal(0, run.Mismatches);
        if (checkIdentity)
        {
            Assert.Equal(Tenants, storagesCreated);
        }

        async Task Flow(int flow)
        {
            var slug = slugs[flow % Tenants];
            var token = new FlowToken(slug, flow);
            using (TenantContext.Enter(slug, o => o.Use(token)))
            {
                for (int i = 0; i < Iterations; i++)
                {
                    switch (i % 10)
                    {
                        case 0:
                            run.Check(slug, token);
                            break;

                        case 1:
                            await Task.Run(() => run.Check(slug, token));
                            break;

                        case 2:
                            await HopAsync().ConfigureAwait(false);
                            run.Check(slug, token);
                            break;

                        case 3:
                            await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (_, _) =>
                            {
                                await Task.Yield();
                                run.Check(slug, token);
                            });
                            break;

                        case 4:
                        {
                            // Another tenant nested inside: it sees its own resources and none of this flow's overrides
                            // (the same tenant nested inherits them).
                            var other = slugs[(flow + i) % Tenants];
                            using (TenantContext.Enter(other))
                            {
                                var expected = other == slug ? token : TenantContext.Get<FlowToken>();
                                if (other != slug && checkIdentity && !ReferenceEquals(expected, run.RegisteredTokens[other]))
                                {
                                    run.Fail($"{other} nested in {slug} did not see its registered token");
                                }

                                run.Check(other, expected);
                                await Task.Yield();
                                run.Check(other, expected);
                            }

                            run.Check(slug, token);
                            break;
                        }

                        case 5:
                            await channel.Writer.WriteAsync(new Work(TenantContext.Capture(), slug, token));
                            run.Check(slug, token);
                            break;

                        case 6:
                            if (i % 50 == 6)
                            {
                                await Task.Delay(1);
                            }
                            else
                            {
                                await Task.Yield();
                            }

                            run.Check(slug, token);
                            break;

                        case 7:
                            if (i % 50 == 7)
                            {
                                // Timers capture the ExecutionContext: the callback runs in this scope.
                                var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                                using var timer = new Timer(_ =>
                                {
                                    run.Check(slug, token);
                                    fired.TrySetResult();
                                }, null, 1, Timeout.Infinite);
                                await fired.Task;
                            }
                            else
                            {
                                run.Check(slug, token);
                            }

                            break;

                        case 8:
                            await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
                            {
                                await Task.Delay(0).ConfigureAwait(false);
                                await HopAsync().ConfigureAwait(false);
                                run.Check(slug, token);
                            }));
                            break;

                        default:
                            for (int k = 0; k < 5; k++)
                            {
                                run.Check(slug, token);
                            }

                            break;
                    }
                }
            }
        }
    }
}
