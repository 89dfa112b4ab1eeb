using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Tenancy.Tests;

/// <summary>
/// "A per-tenant resource is never disposed under a live scope", against everything that disposes resources:
/// <see cref="TenantConfiguration.Forget"/>, eviction, and disposing (or replacing) the configuration, racing the first
/// use of a scope from several child flows at once.
/// </summary>
public sealed class LiveScopeGuaranteeTests(ITestOutputHelper output)
{
    [Fact]
    public void Disposing_the_configuration_spares_a_resource_a_live_scope_uses_until_that_scope_ends()
    {
        var configuration = TenantConfiguration.Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            ServiceA mine;
            using (TenantContext.Enter("acme"))
            {
                mine = TenantContext.Get<ServiceA>();
                configuration.Dispose();

                Assert.False(mine.IsDisposed);
                Assert.Same(mine, TenantContext.Get<ServiceA>());
            }

            Assert.Equal(1, mine.DisposeCount);
        }
    }

    [Fact]
    public async Task DisposeAsync_of_the_configuration_spares_a_resource_a_live_scope_uses_until_that_scope_ends()
    {
        var configuration = TenantConfiguration.Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            ServiceA mine;
            using (TenantContext.Enter("acme"))
            {
                mine = TenantContext.Get<ServiceA>();
                await configuration.DisposeAsync();
                Assert.False(mine.IsDisposed);
            }

            Assert.Equal(1, mine.DisposeCount);
        }
    }

    [Fact]
    public void The_objects_a_configuration_owns_outlive_the_scopes_still_using_it()
    {
        var owned = new ServiceB("router");
        var configuration = TenantConfiguration.Build(b => b.Owns(owned).Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            using (TenantContext.Enter("acme"))
            {
                TenantContext.Get<ServiceA>();
                configuration.Dispose();
                Assert.False(owned.IsDisposed);
            }

            Assert.Equal(1, owned.DisposeCount);
        }
    }

    [Fact]
    public void A_live_scope_of_a_disposed_configuration_can_still_use_and_nest_until_it_ends()
    {
        var configuration = TenantConfiguration.Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            ServiceA late;
            ServiceA nested;
            using (TenantContext.Enter("acme"))
            {
                configuration.Dispose();
                late = TenantContext.Get<ServiceA>();
                using (TenantContext.Enter("other"))
                {
                    nested = TenantContext.Get<ServiceA>();
                }

                Assert.False(late.IsDisposed);
                Assert.Equal("other", nested.Slug);
            }

            Assert.Equal(1, late.DisposeCount);
            Assert.Equal(1, nested.DisposeCount);
            Assert.Throws<ObjectDisposedException>(() => TenantContext.Enter("acme"));
        }
    }

    /// <summary>
    /// Two child flows of one scope make its first use at the same moment, while its tenant is forgotten and evicted
    /// over and over. Every resource any flow of a live scope received must still be alive when the flows are done,
    /// and every resource must be disposed exactly once when it is all over (no pin leaked, no count gone negative).
    /// </summary>
    [Fact]
    public async Task Child_flows_racing_first_use_against_Forget_and_eviction_never_see_a_disposed_resource()
    {
        const int Iterations = 3000;
        var created = new ConcurrentBag<ServiceA>();
        var configuration = TenantConfiguration.Build(b => b
            .MaxCachedTenants(2)
            .Add(t =>
            {
                var a = new ServiceA(t.Slug);
                created.Add(a);
                return a;
            }));
        var slugs = new[] { "t0", "t1", "t2", "t3" };
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        // Forgets and evicts from flows that carry nothing of the test's (not its scopes, not its configuration scope).
        Task[] disturbers;
        using (ExecutionContext.SuppressFlow())
        {
            disturbers = Enumerable.Range(0, 2).Select(d => Task.Run(() =>
            {
                int i = 0;
                while (!stop.IsCancellationRequested)
                {
                    configuration.Forget(slugs[i++ % slugs.Length]);
                    if (d == 1)
                    {
                        using (TenantContext.UseConfiguration(configuration))
                        using (TenantContext.Enter(slugs[i % slugs.Length]))
                        {
                            TenantContext.Get<ServiceA>();
                        }
                    }
                }
            })).ToArray();
        }

        using (TenantContext.UseConfiguration(configuration))
        {
            for (int i = 0; i < Iterations; i++)
            {
                var slug = slugs[i % slugs.Length];
                using (TenantContext.Enter(slug))
                {
                    configuration.Forget(slug);
                    using var go = new ManualResetEventSlim();
                    var children = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
                    {
                        go.Wait();
                        var seen = new List<ServiceA>();
                        for (int k = 0; k < 4; k++)
                        {
                            seen.Add(TenantContext.Get<ServiceA>());
                            Thread.SpinWait(20);
                        }

                        return seen;
                    })).ToArray();
                    go.Set();
                    var seen = (await Task.WhenAll(children)).SelectMany(s => s).Append(TenantContext.Get<ServiceA>()).ToList();
                    foreach (var a in seen.Where(a => a.IsDisposed || a.Slug != slug))
                    {
                        failures.Enqueue($"iteration {i}: a flow of the live scope for {slug} holds {a}, disposed {a.DisposeCount} time(s)");
                    }
                }
            }
        }

        stop.Cancel();
        await Task.WhenAll(disturbers).WaitAsync(TimeSpan.FromSeconds(60));
        configuration.Dispose();

        var notOnce = created.Where(a => a.DisposeCount != 1).ToList();
        output.WriteLine($"{Iterations} iterations, {created.Count} resources created, {failures.Count} disposed under a live scope, {notOnce.Count} not disposed exactly once.");
        foreach (var failure in failures.Take(5))
        {
            output.WriteLine("  " + failure);
        }

        Assert.Empty(failures);
        Assert.Empty(notOnce.Select(a => $"{a}: disposed {a.DisposeCount} time(s)"));
    }

    /// <summary>
    /// Flows keep using the configuration they started on while it is replaced and disposed under them, the way
    /// <see cref="TenantContext.Configure"/> replaces the process-wide one.
    /// </summary>
    [Fact]
    public async Task Replacing_and_disposing_the_configuration_under_running_flows_never_disposes_what_they_use()
    {
        const int Replacements = 60;
        var created = new ConcurrentBag<ServiceA>();
        var failures = new ConcurrentQueue<string>();
        TenantConfiguration NewConfiguration() => TenantConfiguration.Build(b => b
            .MaxCachedTenants(4)
            .Add(t =>
            {
                var a = new ServiceA(t.Slug);
                created.Add(a);
                return a;
            }));

        var current = NewConfiguration();
        using var stop = new CancellationTokenSource();
        var flows = Enumerable.Range(0, 4).Select(f => Task.Run(async () =>
        {
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                var slug = $"t{(f + i++) % 6}";
                try
                {
                    using (TenantContext.UseConfiguration(Volatile.Read(ref current)))
                    using (TenantContext.Enter(slug))
                    {
                        var first = TenantContext.Get<ServiceA>();
                        await Task.Yield();
                        var second = TenantContext.Get<ServiceA>();
                        if (first.IsDisposed || second.IsDisposed || !ReferenceEquals(first, second))
                        {
                            failures.Enqueue($"{slug}: {first} ({first.DisposeCount}) then {second} ({second.DisposeCount})");
                        }
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Entered just after the replacement: a disposed configuration refuses new scopes (documented).
                }
            }
        })).ToArray();

        for (int r = 0; r < Replacements; r++)
        {
            await Task.Delay(2);
            var previous = Interlocked.Exchange(ref current, NewConfiguration());
            previous.Dispose();
        }

        stop.Cancel();
        await Task.WhenAll(flows).WaitAsync(TimeSpan.FromSeconds(60)); // a flow spinning in Enter fails the test, not the run
        current.Dispose();

        var notOnce = created.Where(a => a.DisposeCount != 1).ToList();
        output.WriteLine($"{Replacements} replacements, {created.Count} resources, {failures.Count} disposed under a live scope, {notOnce.Count} not disposed exactly once.");
        Assert.Empty(failures.Take(5));
        Assert.Empty(notOnce.Select(a => $"{a}: disposed {a.DisposeCount} time(s)"));
    }

    /// <summary>
    /// A lookup fills the last-entered slot without the gate, so one that found an entry just before it was retired can
    /// leave the retired entry there (seen in CI: every later <c>Enter</c> of that tenant spun forever). The interleaving
    /// is set up directly: the retired entry is put back into the slot after the retirement.
    /// </summary>
    [Fact]
    public async Task A_retired_entry_left_in_the_last_entered_slot_is_stepped_over_by_Enter_and_by_the_default_tenant()
    {
        var configuration = TenantConfiguration.Build(b => b.DefaultTenant("home").Add(t => new ServiceA(t.Slug)));
        var last = typeof(TenantEntries).GetField("_last", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        using (TenantContext.UseConfiguration(configuration))
        {
            foreach (var slug in new[] { "acme", "home" })
            {
                ServiceA old;
                using (TenantContext.Enter(slug))
                {
                    old = TenantContext.Get<ServiceA>();
                }

                var retired = last.GetValue(configuration.Entries);
                Assert.True(configuration.Forget(slug));
                Assert.True(old.IsDisposed);
                last.SetValue(configuration.Entries, retired);

                var fresh = await Task.Run(() =>
                {
                    using (TenantContext.UseConfiguration(configuration))
                    using (TenantContext.Enter(slug))
                    {
                        return TenantContext.Get<ServiceA>();
                    }
                }).WaitAsync(TimeSpan.FromSeconds(30));

                Assert.NotSame(old, fresh);
                Assert.False(fresh.IsDisposed);
            }

            // The default tenant's lookup meets the same slot.
            using (TenantContext.Enter("acme"))
            {
            }

            var stale = last.GetValue(configuration.Entries);
            Assert.True(configuration.Forget("acme"));
            last.SetValue(configuration.Entries, stale);
            var entry = await Task.Run(() => configuration.Entries.GetDefault("acme")).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(TenantEntry.Live, entry!.Retirement);
        }

        configuration.Dispose();
    }

    [Fact]
    public void A_scope_left_open_in_an_ended_flow_is_seen_after_its_thread_enters_another_tenant()
    {
        var configuration = TenantConfiguration.Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var (scope, mine) = EnterInAnEndedFlow("acme");

            // The thread enters another tenant: the open scope is no longer the one it entered last.
            using (TenantContext.Enter("globex"))
            {
                Assert.True(configuration.Forget("acme"));
                Assert.False(mine.IsDisposed);
            }

            Assert.True(configuration.Forget("globex"));
            Assert.False(mine.IsDisposed);
            scope.Dispose(); // from outside its flow: it ends, this flow is unchanged
            Assert.Equal(1, mine.DisposeCount);
        }

        configuration.Dispose();
    }

    [Fact]
    public void Many_scopes_left_open_on_one_thread_are_all_seen_by_retirement()
    {
        var configuration = TenantConfiguration.Build(b => b.MaxCachedTenants(4).Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            // More open scopes than the thread's list starts with, and short-lived ones between them to compact it.
            var open = new List<(TenantScope Scope, ServiceA Mine)>();
            for (int i = 0; i < 40; i++)
            {
                open.Add(EnterInAnEndedFlow($"open{i}"));
                using (TenantContext.Enter($"brief{i}"))
                {
                    TenantContext.Get<ServiceA>();
                }
            }

            for (int i = 0; i < 40; i++)
            {
                configuration.Forget($"open{i}");
            }

            Assert.All(open, o => Assert.False(o.Mine.IsDisposed));
            foreach (var (scope, _) in open)
            {
                scope.Dispose(); // from outside its flow: it ends, this flow is unchanged
            }

            Assert.All(open, o => Assert.Equal(1, o.Mine.DisposeCount));
        }

        configuration.Dispose();
    }

    /// <summary>Enters <paramref name="slug"/> inside a flow that ends at once: the scope stays open, this thread moves on.</summary>
    private static (TenantScope Scope, ServiceA Mine) EnterInAnEndedFlow(string slug)
    {
        TenantScope? scope = null;
        ServiceA? mine = null;
        ExecutionContext.Run(ExecutionContext.Capture()!, _ =>
        {
            scope = TenantContext.Enter(slug);
            mine = TenantContext.Get<ServiceA>();
        }, null);
        Assert.False(TenantContext.IsActive);
        return (scope!, mine!);
    }
}
