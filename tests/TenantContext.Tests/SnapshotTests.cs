using System.Threading.Channels;

namespace Tenancy.Tests;

/// <summary>Work that runs elsewhere or later: <see cref="TenantContext.Capture"/> and flows that outlive their scope.</summary>
public sealed class SnapshotTests : IDisposable
{
    private readonly TenantConfiguration _configuration;
    private readonly ConfigurationScope _use;

    public SnapshotTests()
    {
        _configuration = TenantConfiguration.Build(b => b
            .Storage(t => new FakeStorage(t.Slug))
            .Add(t => new ServiceA(t.Slug))
            .Add(t => new PerScopeThing(t.Slug), TenantLifetime.PerScope));
        _use = TenantContext.UseConfiguration(_configuration);
    }

    public void Dispose()
    {
        _use.Dispose();
        _configuration.Dispose();
    }

    private sealed record Seen(bool ActiveBefore, string Slug, ITenantStorage Storage, ServiceA Service);

    /// <summary>Runs <paramref name="work"/> on the thread pool with no ExecutionContext flowing from here.</summary>
    private static Task<T> OnUnflowedThreadPool<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (ExecutionContext.SuppressFlow())
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            });
        }

        return done.Task;
    }

    [Fact]
    public async Task A_snapshot_entered_on_an_unflowed_thread_carries_the_tenant()
    {
        TenantSnapshot snapshot;
        using (TenantContext.Enter("acme"))
        {
            snapshot = TenantContext.Capture();
        }

        var seen = await OnUnflowedThreadPool(() =>
        {
            bool before = TenantContext.IsActive;
            using (snapshot.Enter())
            {
                return new Seen(before, TenantContext.Current.Slug, TenantContext.GetStorage(), TenantContext.Get<ServiceA>());
            }
        });

        Assert.False(seen.ActiveBefore); // proves nothing flowed but the snapshot
        Assert.Equal("acme", seen.Slug);
    }

    [Fact]
    public async Task A_snapshot_carries_its_configuration_to_a_flow_without_one()
    {
        TenantSnapshot snapshot;
        ITenantStorage expected;
        using (TenantContext.Enter("acme"))
        {
            expected = TenantContext.GetStorage();
            snapshot = TenantContext.Capture();
        }

        Assert.Same(_configuration, snapshot.Configuration);
        var seen = await OnUnflowedThreadPool(() =>
        {
            using (snapshot.Enter())
            {
                return TenantContext.GetStorage();
            }
        });
        Assert.Same(expected, seen);
    }

    [Fact]
    public async Task A_snapshot_carries_the_overrides_of_the_captured_scope()
    {
        var fake = new ServiceA("fake");
        var storage = new FakeStorage("fake");
        TenantSnapshot snapshot;
        using (TenantContext.Enter("acme", o => o.Use(fake).Storage(storage)))
        {
            snapshot = TenantContext.Capture();
        }

        var seen = await OnUnflowedThreadPool(() =>
        {
            using (snapshot.Enter())
            {
                return new Seen(false, TenantContext.Current.Slug, TenantContext.GetStorage(), TenantContext.Get<ServiceA>());
            }
        });

        Assert.Same(fake, seen.Service);
        Assert.Same(storage, seen.Storage);
    }

    [Fact]
    public void Capture_records_the_current_tenant()
    {
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal("acme", TenantContext.Capture().Tenant.Slug);
        }
    }

    [Fact]
    public async Task A_channel_consumer_started_outside_any_scope_re_enters_each_items_tenant()
    {
        var channel = Channel.CreateUnbounded<(TenantSnapshot Snapshot, ServiceA Injected)>();
        Task<List<(bool ActiveBefore, string Slug, bool SawInjected)>> consumer;
        using (ExecutionContext.SuppressFlow())
        {
            consumer = Task.Run(async () =>
            {
                var results = new List<(bool, string, bool)>();
                await foreach (var (snapshot, injected) in channel.Reader.ReadAllAsync())
                {
                    bool before = TenantContext.IsActive;
                    using (snapshot.Enter())
                    {
                        results.Add((before, TenantContext.Current.Slug, ReferenceEquals(injected, TenantContext.Get<ServiceA>())));
                    }
                }

                return results;
            });
        }

        foreach (var slug in new[] { "alpha", "beta", "gamma" })
        {
            var injected = new ServiceA(slug);
            using (TenantContext.Enter(slug, o => o.Use(injected)))
            {
                await channel.Writer.WriteAsync((TenantContext.Capture(), injected));
            }
        }

        channel.Writer.Complete();
        var seen = await consumer;

        Assert.Equal([(false, "alpha", true), (false, "beta", true), (false, "gamma", true)], seen);
    }

    [Fact]
    public async Task A_snapshot_entered_on_another_flow_gets_its_own_per_scope_resources()
    {
        using (TenantContext.Enter("acme"))
        {
            var mine = TenantContext.Get<PerScopeThing>();
            var snapshot = TenantContext.Capture();
            var theirs = await OnUnflowedThreadPool(() =>
            {
                using (snapshot.Enter())
                {
                    return TenantContext.Get<PerScopeThing>();
                }
            });

            Assert.NotSame(mine, theirs);
            Assert.True(theirs.IsDisposed);
            Assert.False(mine.IsDisposed);
        }
    }

    [Fact]
    public void A_snapshot_entered_inside_a_scope_of_the_same_tenant_nests_and_shares_its_per_scope_resources()
    {
        using (TenantContext.Enter("acme"))
        {
            var mine = TenantContext.Get<PerScopeThing>();
            using (TenantContext.Capture().Enter())
            {
                Assert.Same(mine, TenantContext.Get<PerScopeThing>());
            }

            Assert.False(mine.IsDisposed);
        }
    }

    [Fact]
    public void Snapshot_Run_runs_the_work_inside_the_captured_tenant()
    {
        TenantSnapshot snapshot;
        using (TenantContext.Enter("acme"))
        {
            snapshot = TenantContext.Capture();
        }

        string? seen = null;
        snapshot.Run(() => seen = TenantContext.Current.Slug);
        Assert.Equal("acme", seen);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public async Task Snapshot_RunAsync_awaits_the_work_inside_the_captured_tenant()
    {
        TenantSnapshot snapshot;
        using (TenantContext.Enter("acme"))
        {
            snapshot = TenantContext.Capture();
        }

        string? seen = null;
        await snapshot.RunAsync(async () =>
        {
            await Task.Yield();
            seen = TenantContext.Current.Slug;
        });
        Assert.Equal("acme", seen);
        Assert.False(TenantContext.IsActive);
    }

    /// <summary>Starts work inside a scope that runs its body only after the scope has been disposed.</summary>
    /// <summary>The error is a <see cref="TenantScopeEndedException"/> (an <see cref="ObjectDisposedException"/>) naming acme's ended scope.</summary>
    private static TenantScopeEndedException AssertEndedInAcme(Exception? error)
    {
        Assert.IsAssignableFrom<ObjectDisposedException>(error);
        var ended = Assert.IsType<TenantScopeEndedException>(error);
        Assert.Equal("acme", ended.Tenant);
        Assert.Contains("'acme'", ended.Message);
        return ended;
    }

    private static async Task<Exception?> RunAfterScopeEnds(Action body, Action? insideScopeFirst = null)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Exception?> late;
        using (TenantContext.Enter("acme"))
        {
            insideScopeFirst?.Invoke();
            late = Task.Run<Exception?>(async () =>
            {
                await release.Task;
                return Record.Exception(body);
            });
        }

        release.SetResult();
        return await late;
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_gets_ObjectDisposedException_from_GetStorage()
    {
        var error = await RunAfterScopeEnds(() => TenantContext.GetStorage());
        var disposed = AssertEndedInAcme(error);
        Assert.Contains("Capture()", disposed.Message);
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_gets_ObjectDisposedException_even_after_the_resource_was_used_in_the_scope()
    {
        var error = await RunAfterScopeEnds(() => TenantContext.GetStorage(), insideScopeFirst: () => TenantContext.GetStorage());
        AssertEndedInAcme(error);
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_gets_ObjectDisposedException_from_Get_of_T()
    {
        var error = await RunAfterScopeEnds(() => TenantContext.Get<ServiceA>());
        AssertEndedInAcme(error);
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_gets_ObjectDisposedException_from_a_per_scope_resource()
    {
        var error = await RunAfterScopeEnds(() => TenantContext.Get<PerScopeThing>());
        AssertEndedInAcme(error);
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_gets_ObjectDisposedException_from_Current()
    {
        var error = await RunAfterScopeEnds(() => _ = TenantContext.Current);
        AssertEndedInAcme(error);
    }

    [Fact]
    public async Task A_flow_that_outlives_its_scope_is_not_active()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool> late;
        using (TenantContext.Enter("acme"))
        {
            late = Task.Run(async () =>
            {
                await release.Task;
                return TenantContext.IsActive || TenantContext.TryGetCurrent(out _);
            });
        }

        release.SetResult();
        Assert.False(await late);
    }
}
