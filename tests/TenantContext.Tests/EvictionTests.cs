namespace Tenancy.Tests;

/// <summary>The bounded per-tenant cache: least recently used tenants are evicted and disposed, never while in use.</summary>
public sealed class EvictionTests
{
    private static TenantConfiguration Build(int max) => TenantConfiguration.Build(b => b
        .MaxCachedTenants(max)
        .Storage(t => new FakeStorage(t.Slug))
        .Add(t => new ServiceA(t.Slug))
        .Add(t => new AsyncOnlyTracked(t.Slug, yieldFirst: false)));

    private static ServiceA Touch(string slug) => TenantContext.Run(slug, TenantContext.Get<ServiceA>);

    [Fact]
    public void Past_the_bound_the_least_recently_used_tenants_resources_are_disposed()
    {
        using var configuration = Build(max: 2);
        using (TenantContext.UseConfiguration(configuration))
        {
            var first = Touch("t1");
            Touch("t2");
            Touch("t3");
            Assert.True(first.IsDisposed);
        }
    }

    [Fact]
    public void Eviction_disposes_async_only_resources()
    {
        using var configuration = Build(max: 2);
        using (TenantContext.UseConfiguration(configuration))
        {
            var first = TenantContext.Run("t1", TenantContext.Get<AsyncOnlyTracked>);
            Touch("t2");
            Touch("t3");
            Assert.True(first.IsDisposed);
        }
    }

    [Fact]
    public void Eviction_picks_the_least_recently_used_tenant_not_the_first_created()
    {
        using var configuration = Build(max: 8);
        using (TenantContext.UseConfiguration(configuration))
        {
            var byTenant = Enumerable.Range(1, 8).ToDictionary(i => i, i => Touch($"t{i}"));
            Touch("t1"); // t1 is now the most recently used; t2 is the least
            Touch("t9");

            Assert.False(byTenant[1].IsDisposed);
            Assert.True(byTenant[2].IsDisposed);
            Assert.False(byTenant[8].IsDisposed);
        }
    }

    [Fact]
    public void The_cache_holds_no_more_tenants_than_the_bound_when_none_is_in_use()
    {
        using var configuration = Build(max: 16);
        using (TenantContext.UseConfiguration(configuration))
        {
            for (int i = 0; i < 200; i++)
            {
                Touch($"t{i}");
            }

            Assert.InRange(configuration.CachedTenantCount, 1, 16);
        }
    }

    [Fact]
    public void An_evicted_tenant_gets_a_fresh_resource_on_its_next_use()
    {
        using var configuration = Build(max: 2);
        using (TenantContext.UseConfiguration(configuration))
        {
            var first = Touch("t1");
            Touch("t2");
            Touch("t3");
            var again = Touch("t1");
            Assert.NotSame(first, again);
            Assert.False(again.IsDisposed);
        }
    }

    /// <summary>
    /// Enters and touches <paramref name="count"/> other tenants from parallel flows that carry nothing from the caller
    /// (not its scope, not its configuration scope): they activate <paramref name="configuration"/> themselves.
    /// </summary>
    private static Task Pressure(TenantConfiguration configuration, int count, string prefix)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = 4 },
                (i, _) =>
                {
                    if (TenantContext.IsActive)
                    {
                        throw new InvalidOperationException("the pressure flows must not carry the caller's scope");
                    }

                    using (TenantContext.UseConfiguration(configuration))
                    {
                        TenantContext.Run($"{prefix}{i}", () =>
                        {
                            TenantContext.GetStorage();
                            TenantContext.Get<ServiceA>();
                        });
                    }

                    return ValueTask.CompletedTask;
                }));
        }
    }

    [Fact]
    public async Task A_resource_in_use_by_a_live_scope_is_not_disposed_under_eviction_pressure()
    {
        using var configuration = Build(max: 4);
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("pinned"))
        {
            var mine = TenantContext.Get<ServiceA>();
            var storage = (FakeStorage)TenantContext.GetStorage();

            await Pressure(configuration, 1000, "other-");

            Assert.False(mine.IsDisposed);
            Assert.False(storage.IsDisposed);
        }
    }

    [Fact]
    public async Task A_live_scope_keeps_getting_the_same_resource_under_eviction_pressure()
    {
        using var configuration = Build(max: 4);
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("pinned"))
        {
            var mine = TenantContext.Get<ServiceA>();
            await Pressure(configuration, 1000, "other-");
            Assert.Same(mine, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public async Task A_resource_spared_while_in_use_is_disposed_by_eviction_after_its_scope_ends()
    {
        using var configuration = Build(max: 4);
        using (TenantContext.UseConfiguration(configuration))
        {
            ServiceA mine;
            using (TenantContext.Enter("pinned"))
            {
                mine = TenantContext.Get<ServiceA>();
                await Pressure(configuration, 1000, "other-");
            }

            await Pressure(configuration, 8, "after-");
            Assert.True(mine.IsDisposed);
        }
    }

    [Fact]
    public async Task A_scope_that_has_not_used_a_resource_yet_still_gets_a_live_one_after_its_tenant_was_evicted()
    {
        using var configuration = Build(max: 4);
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("late"))
        {
            await Pressure(configuration, 100, "other-");
            var mine = TenantContext.Get<ServiceA>();
            Assert.Equal("late", mine.Slug);
            Assert.False(mine.IsDisposed);
            await Pressure(configuration, 100, "more-");
            Assert.False(mine.IsDisposed);
        }
    }

    [Fact]
    public void MaxCachedTenants_refuses_a_bound_below_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TenantConfiguration.Build(b => b.MaxCachedTenants(0)));
    }
}
