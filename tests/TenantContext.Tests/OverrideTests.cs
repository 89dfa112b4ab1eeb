namespace Tenancy.Tests;

/// <summary><c>Enter(tenant, o => …)</c>: test injection visible to that scope and what flows from it only.</summary>
public sealed class OverrideTests : IDisposable
{
    private readonly TenantConfiguration _configuration;
    private readonly ConfigurationScope _use;

    public OverrideTests()
    {
        _configuration = TenantConfiguration.Build(b => b
            .Db(t => new FakeDb(t.Slug))
            .Storage(t => new FakeStorage(t.Slug))
            .Renderer(t => new FakeRenderer(t.Slug))
            .Add(t => new ServiceA(t.Slug))
            .Add(t => new ServiceB(t.Slug)));
        _use = TenantContext.UseConfiguration(_configuration);
    }

    public void Dispose()
    {
        _use.Dispose();
        _configuration.Dispose();
    }

    [Fact]
    public void Overrides_replace_every_role_and_service_in_the_scope()
    {
        var db = new FakeDb("x");
        var storage = new FakeStorage("x");
        var renderer = new FakeRenderer("x");
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Db(db).Storage(storage).Renderer(renderer).Use(service)))
        {
            Assert.Same(db, TenantContext.GetDb());
            Assert.Same(storage, TenantContext.GetStorage());
            Assert.Same(renderer, TenantContext.GetRenderer());
            Assert.Same(service, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public void Resources_that_are_not_overridden_come_from_the_configuration()
    {
        using (TenantContext.Enter("acme", o => o.Use(new ServiceA("x"))))
        {
            var b = TenantContext.Get<ServiceB>();
            Assert.Equal("acme", b.Slug);
        }
    }

    [Fact]
    public void Overrides_are_not_visible_after_the_scope()
    {
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Use(service)))
        {
        }

        using (TenantContext.Enter("acme"))
        {
            Assert.NotSame(service, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public void Overrides_are_not_visible_in_the_enclosing_scope()
    {
        using (TenantContext.Enter("acme"))
        {
            var registered = TenantContext.Get<ServiceA>();
            using (TenantContext.Enter("acme", o => o.Use(new ServiceA("x"))))
            {
            }

            Assert.Same(registered, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public async Task Overrides_flow_to_child_tasks()
    {
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Use(service)))
        {
            Assert.Same(service, await Task.Run(TenantContext.Get<ServiceA>));
        }
    }

    [Fact]
    public void A_nested_scope_of_the_same_tenant_inherits_the_overrides()
    {
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Use(service)))
        using (TenantContext.Enter("acme"))
        {
            Assert.Same(service, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public void A_nested_scope_of_the_same_tenant_with_its_own_overrides_keeps_the_outer_ones_it_does_not_replace()
    {
        var a = new ServiceA("outer");
        var b = new ServiceB("inner");
        using (TenantContext.Enter("acme", o => o.Use(a)))
        using (TenantContext.Enter("acme", o => o.Use(b)))
        {
            Assert.Same(a, TenantContext.Get<ServiceA>());
            Assert.Same(b, TenantContext.Get<ServiceB>());
        }
    }

    [Fact]
    public void A_nested_scope_of_the_same_tenant_can_replace_an_outer_override()
    {
        var outer = new ServiceA("outer");
        var inner = new ServiceA("inner");
        using (TenantContext.Enter("acme", o => o.Use(outer)))
        {
            using (TenantContext.Enter("acme", o => o.Use(inner)))
            {
                Assert.Same(inner, TenantContext.Get<ServiceA>());
            }

            Assert.Same(outer, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public void A_nested_scope_of_another_tenant_does_not_inherit_the_overrides()
    {
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Use(service)))
        using (TenantContext.Enter("other"))
        {
            var seen = TenantContext.Get<ServiceA>();
            Assert.NotSame(service, seen);
            Assert.Equal("other", seen.Slug);
        }
    }

    [Fact]
    public void Overrides_are_not_disposed_by_the_scope()
    {
        var storage = new FakeStorage("x");
        var service = new ServiceA("x");
        using (TenantContext.Enter("acme", o => o.Storage(storage).Use(service)))
        {
            _ = TenantContext.GetStorage();
            _ = TenantContext.Get<ServiceA>();
        }

        Assert.False(storage.IsDisposed);
        Assert.False(service.IsDisposed);
    }

    [Fact]
    public void Overrides_are_not_disposed_with_the_configuration()
    {
        var service = new ServiceA("x");
        var configuration = TenantConfiguration.Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme", o => o.Use(service)))
        {
            _ = TenantContext.Get<ServiceA>();
        }

        configuration.Dispose();
        Assert.False(service.IsDisposed);
    }

    [Fact]
    public void An_override_does_not_need_a_registration()
    {
        using var configuration = TenantConfiguration.Build(_ => { });
        var storage = new FakeStorage("x");
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme", o => o.Storage(storage)))
        {
            Assert.Same(storage, TenantContext.GetStorage());
        }
    }

    [Fact]
    public async Task One_hundred_parallel_flows_each_see_only_their_own_fake()
    {
        int mismatches = 0;
        var flows = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            var slug = $"t{i % 10}";
            var mine = new ServiceA(slug);
            var myStorage = new FakeStorage(slug);
            using (TenantContext.Enter(slug, o => o.Use(mine).Storage(myStorage)))
            {
                for (int step = 0; step < 20; step++)
                {
                    await Task.Yield();
                    if (!ReferenceEquals(mine, TenantContext.Get<ServiceA>()) || !ReferenceEquals(myStorage, TenantContext.GetStorage()))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(flows);
        Assert.Equal(0, mismatches);
    }

    /// <summary>A per-scope resource built over whatever database the scope sees (a unit of work over GetDb()).</summary>
    private sealed class UnitOfWork(ITenantDatabase db) : Tracked("uow")
    {
        public ITenantDatabase Db { get; } = db;
    }

    private static TenantConfiguration WithUnitOfWork() => TenantConfiguration.Build(b => b
        .Db(t => new FakeDb(t.Slug))
        .Add(_ => new UnitOfWork(TenantContext.GetDb()), TenantLifetime.PerScope));

    [Fact]
    public void A_per_scope_resource_made_under_a_nested_override_is_not_cached_on_the_outer_scope()
    {
        using var configuration = WithUnitOfWork();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var fake = new FakeDb("fake");
            UnitOfWork inner;
            using (TenantContext.Enter("acme", o => o.Db(fake)))
            {
                inner = TenantContext.Get<UnitOfWork>();
                Assert.Same(fake, inner.Db);
            }

            Assert.True(inner.IsDisposed);
            var outer = TenantContext.Get<UnitOfWork>();
            Assert.NotSame(inner, outer);
            Assert.Equal("acme", ((FakeDb)outer.Db).Slug);
        }
    }

    [Fact]
    public void A_nested_override_does_not_get_the_outer_scopes_per_scope_resource()
    {
        using var configuration = WithUnitOfWork();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var outer = TenantContext.Get<UnitOfWork>();
            var fake = new FakeDb("fake");
            using (TenantContext.Enter("acme", o => o.Db(fake)))
            {
                Assert.Same(fake, TenantContext.Get<UnitOfWork>().Db);
            }

            Assert.False(outer.IsDisposed);
            Assert.Same(outer, TenantContext.Get<UnitOfWork>());
        }
    }

    [Fact]
    public void A_scope_nested_in_an_override_of_the_same_tenant_shares_the_overrides_per_scope_resource()
    {
        using var configuration = WithUnitOfWork();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme", o => o.Db(new FakeDb("fake"))))
        {
            var overridden = TenantContext.Get<UnitOfWork>();
            using (TenantContext.Enter("acme"))
            {
                Assert.Same(overridden, TenantContext.Get<UnitOfWork>());
            }

            Assert.False(overridden.IsDisposed);
        }
    }

    [Fact]
    public void Use_refuses_null()
    {
        Assert.Throws<ArgumentNullException>(() => TenantContext.Enter("acme", o => o.Use<ServiceA>(null!)));
        Assert.False(TenantContext.IsActive);
    }
}
