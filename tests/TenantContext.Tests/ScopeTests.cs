namespace Tenancy.Tests;

/// <summary>Entering, nesting and leaving scopes on one async flow.</summary>
public sealed class ScopeTests : IDisposable
{
    private readonly TenantConfiguration _configuration;
    private readonly ConfigurationScope _use;

    public ScopeTests()
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

    [Fact]
    public void Enter_makes_the_tenant_current()
    {
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal("acme", TenantContext.Current.Slug);
        }
    }

    [Fact]
    public void IsActive_is_true_inside_a_scope_and_false_outside()
    {
        Assert.False(TenantContext.IsActive);
        using (TenantContext.Enter("acme"))
        {
            Assert.True(TenantContext.IsActive);
        }

        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public void TryGetCurrent_returns_the_tenant_inside_a_scope()
    {
        using (TenantContext.Enter("acme"))
        {
            Assert.True(TenantContext.TryGetCurrent(out var tenant));
            Assert.Equal("acme", tenant!.Slug);
        }
    }

    [Fact]
    public void TryGetCurrent_returns_false_and_null_outside_a_scope()
    {
        Assert.False(TenantContext.TryGetCurrent(out var tenant));
        Assert.Null(tenant);
    }

    [Fact]
    public void The_scope_reports_its_tenant_and_configuration()
    {
        using var scope = TenantContext.Enter("acme");
        Assert.Equal("acme", scope.Tenant.Slug);
        Assert.Same(_configuration, scope.Configuration);
        Assert.False(scope.IsDisposed);
    }

    [Fact]
    public void A_nested_scope_replaces_the_tenant_while_it_lasts()
    {
        using (TenantContext.Enter("outer"))
        using (TenantContext.Enter("inner"))
        {
            Assert.Equal("inner", TenantContext.Current.Slug);
        }
    }

    [Fact]
    public void Disposing_a_nested_scope_restores_exactly_the_outer_scope_with_its_overrides()
    {
        var outerOverride = new ServiceA("outer");
        using (TenantContext.Enter("outer", o => o.Use(outerOverride)))
        {
            using (TenantContext.Enter("inner"))
            {
                Assert.NotSame(outerOverride, TenantContext.Get<ServiceA>());
            }

            Assert.Equal("outer", TenantContext.Current.Slug);
            Assert.Same(outerOverride, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public void Disposing_the_outermost_scope_leaves_no_scope()
    {
        var scope = TenantContext.Enter("acme");
        scope.Dispose();
        Assert.False(TenantContext.IsActive);
        Assert.True(scope.IsDisposed);
    }

    [Fact]
    public void Disposing_a_scope_twice_is_a_no_op()
    {
        using var outer = TenantContext.Enter("outer");
        var inner = TenantContext.Enter("inner");
        inner.Dispose();
        inner.Dispose();
        Assert.Equal("outer", TenantContext.Current.Slug);
    }

    [Fact]
    public void Disposing_a_scope_twice_disposes_its_per_scope_resources_once()
    {
        var scope = TenantContext.Enter("acme");
        var thing = TenantContext.Get<PerScopeThing>();
        scope.Dispose();
        scope.Dispose();
        Assert.Equal(1, thing.DisposeCount);
    }

    [Fact]
    public void Disposing_a_disposed_scope_again_does_not_disturb_the_scope_current_now()
    {
        var first = TenantContext.Enter("first");
        first.Dispose();
        using (TenantContext.Enter("second"))
        {
            first.Dispose();
            Assert.Equal("second", TenantContext.Current.Slug);
        }
    }

    [Fact]
    public void Disposing_an_outer_scope_while_a_nested_one_is_current_throws_TenantScopeMismatchException()
    {
        var outer = TenantContext.Enter("outer");
        var inner = TenantContext.Enter("inner");
        try
        {
            Assert.Throws<TenantScopeMismatchException>(() => outer.Dispose());
        }
        finally
        {
            inner.Dispose();
            outer.Dispose();
        }
    }

    [Fact]
    public void Out_of_order_dispose_changes_nothing()
    {
        var outer = TenantContext.Enter("outer");
        var outerThing = TenantContext.Get<PerScopeThing>();
        var inner = TenantContext.Enter("inner");
        try
        {
            Assert.Throws<TenantScopeMismatchException>(() => outer.Dispose());

            Assert.Equal("inner", TenantContext.Current.Slug);
            Assert.False(outer.IsDisposed);
            Assert.False(inner.IsDisposed);
            Assert.False(outerThing.IsDisposed);
        }
        finally
        {
            inner.Dispose();
            outer.Dispose();
        }
    }

    [Fact]
    public void After_an_out_of_order_dispose_disposing_in_order_works()
    {
        var outer = TenantContext.Enter("outer");
        var outerThing = TenantContext.Get<PerScopeThing>();
        var inner = TenantContext.Enter("inner");
        Assert.Throws<TenantScopeMismatchException>(() => outer.Dispose());

        inner.Dispose();
        Assert.Equal("outer", TenantContext.Current.Slug);
        outer.Dispose();
        Assert.False(TenantContext.IsActive);
        Assert.True(outerThing.IsDisposed);
    }

    [Fact]
    public async Task Out_of_order_DisposeAsync_throws_TenantScopeMismatchException()
    {
        var outer = TenantContext.Enter("outer");
        var inner = TenantContext.Enter("inner");
        try
        {
            await Assert.ThrowsAsync<TenantScopeMismatchException>(async () => await outer.DisposeAsync());
            Assert.Equal("inner", TenantContext.Current.Slug);
        }
        finally
        {
            inner.Dispose();
            outer.Dispose();
        }
    }

    [Fact]
    public async Task Await_using_leaves_the_scope_in_the_callers_flow()
    {
        using (TenantContext.Enter("outer"))
        {
            await using (TenantContext.Enter("inner"))
            {
                await Task.Yield();
                Assert.Equal("inner", TenantContext.Current.Slug);
            }

            Assert.Equal("outer", TenantContext.Current.Slug);
        }
    }

    [Fact]
    public async Task DisposeAsync_marks_the_scope_disposed_and_restores_no_scope()
    {
        var scope = TenantContext.Enter("acme");
        await scope.DisposeAsync();
        Assert.True(scope.IsDisposed);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public async Task A_child_task_inherits_the_scope()
    {
        using (TenantContext.Enter("acme"))
        {
            var seen = await Task.Run(() => TenantContext.Current.Slug);
            Assert.Equal("acme", seen);
        }
    }

    [Fact]
    public async Task A_child_task_sees_the_same_per_tenant_resource()
    {
        using (TenantContext.Enter("acme"))
        {
            var mine = TenantContext.GetStorage();
            var theirs = await Task.Run(TenantContext.GetStorage);
            Assert.Same(mine, theirs);
        }
    }

    [Fact]
    public async Task A_scope_entered_in_a_child_task_does_not_flow_back_to_the_parent()
    {
        using (TenantContext.Enter("parent"))
        {
            await Task.Run(() => TenantContext.Enter("child")); // deliberately never disposed
            Assert.Equal("parent", TenantContext.Current.Slug);
        }
    }

    [Fact]
    public async Task A_scope_entered_inside_an_async_method_is_not_visible_to_the_caller_after_await()
    {
        await EnterAndLeaveItOpen("inside");
        Assert.False(TenantContext.IsActive);

        static async Task EnterAndLeaveItOpen(string tenant)
        {
            await Task.Yield();
            TenantContext.Enter(tenant); // the caller never sees this scope
            Assert.Equal(tenant, TenantContext.Current.Slug);
        }
    }

    [Fact]
    public void Run_runs_the_work_inside_the_tenant_and_leaves_the_scope()
    {
        string? seen = null;
        TenantContext.Run("acme", () => seen = TenantContext.Current.Slug);
        Assert.Equal("acme", seen);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public void Run_leaves_the_scope_when_the_work_throws()
    {
        Assert.Throws<InvalidOperationException>(() => TenantContext.Run("acme", () => throw new InvalidOperationException("boom")));
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public void Run_of_T_returns_the_works_result()
    {
        var slug = TenantContext.Run("acme", () => TenantContext.Current.Slug);
        Assert.Equal("acme", slug);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public void Run_disposes_per_scope_resources_when_the_work_ends()
    {
        var thing = TenantContext.Run("acme", TenantContext.Get<PerScopeThing>);
        Assert.True(thing.IsDisposed);
    }

    [Fact]
    public async Task RunAsync_awaits_the_work_inside_the_tenant()
    {
        string? seen = null;
        await TenantContext.RunAsync("acme", async () =>
        {
            await Task.Yield();
            seen = TenantContext.Current.Slug;
        });
        Assert.Equal("acme", seen);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public async Task RunAsync_disposes_the_scope_when_the_work_completes()
    {
        PerScopeThing? thing = null;
        await TenantContext.RunAsync("acme", async () =>
        {
            await Task.Yield();
            thing = TenantContext.Get<PerScopeThing>();
        });
        Assert.True(thing!.IsDisposed);
    }

    [Fact]
    public async Task RunAsync_of_T_returns_the_works_result_inside_the_tenant()
    {
        var slug = await TenantContext.RunAsync("acme", async () =>
        {
            await Task.Delay(1);
            return TenantContext.Current.Slug;
        });
        Assert.Equal("acme", slug);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public async Task RunAsync_of_T_disposes_the_scope_when_the_work_completes()
    {
        var thing = await TenantContext.RunAsync("acme", async () =>
        {
            await Task.Yield();
            return TenantContext.Get<PerScopeThing>();
        });
        Assert.True(thing.IsDisposed);
    }
}
