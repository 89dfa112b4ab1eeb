namespace Tenancy.Tests;

/// <summary>Per-tenant, per-scope and transient resources: when they are created, shared and disposed.</summary>
public sealed class ResourceLifetimeTests
{
    private static TenantConfiguration Build(Action<TenantContextBuilder> configure) => TenantConfiguration.Build(configure);

    // ---- per tenant -------------------------------------------------------------------------------------------

    [Fact]
    public void A_per_tenant_resource_is_created_once_and_cached_across_scopes()
    {
        int created = 0;
        using var configuration = Build(b => b.Storage(t =>
        {
            Interlocked.Increment(ref created);
            return new FakeStorage(t.Slug);
        }));
        using (TenantContext.UseConfiguration(configuration))
        {
            ITenantStorage first = TenantContext.Run("acme", TenantContext.GetStorage);
            ITenantStorage second = TenantContext.Run("acme", TenantContext.GetStorage);
            Assert.Same(first, second);
            Assert.Equal(1, created);
        }
    }

    [Fact]
    public void A_per_tenant_resource_is_created_for_its_tenant()
    {
        using var configuration = Build(b => b.Storage(t => new FakeStorage(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var storage = (FakeStorage)TenantContext.Run("acme", TenantContext.GetStorage);
            Assert.Equal("acme", storage.Slug);
        }
    }

    [Fact]
    public void Different_tenants_get_different_instances()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var a = TenantContext.Run("alpha", TenantContext.Get<ServiceA>);
            var b = TenantContext.Run("beta", TenantContext.Get<ServiceA>);
            Assert.NotSame(a, b);
        }
    }

    [Fact]
    public void A_per_tenant_resource_is_not_disposed_when_the_scope_ends()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var a = TenantContext.Run("alpha", TenantContext.Get<ServiceA>);
            Assert.False(a.IsDisposed);
        }
    }

    [Fact]
    public void Concurrent_first_use_from_32_threads_creates_the_resource_once()
    {
        const int threads = 32;
        int created = 0;
        using var configuration = Build(b => b.Add(t =>
        {
            Interlocked.Increment(ref created);
            Thread.Sleep(50); // keep the window open: everyone else arrives while this one is being made
            return new ServiceA(t.Slug);
        }));
        var barrier = new Barrier(threads);
        var seen = new ServiceA?[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            using (TenantContext.UseConfiguration(configuration))
            using (TenantContext.Enter("acme"))
            {
                barrier.SignalAndWait();
                seen[i] = TenantContext.Get<ServiceA>();
            }
        })).ToList();

        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Equal(1, created);
        Assert.All(seen, s => Assert.Same(seen[0], s));
    }

    [Fact]
    public void A_failed_factory_propagates_its_exception()
    {
        using var configuration = Build(b => b.Add<ServiceA>(_ => throw new TimeoutException("database is down")));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TimeoutException>(() => TenantContext.Get<ServiceA>());
            Assert.Equal("database is down", error.Message);
        }
    }

    [Fact]
    public void A_failed_creation_is_not_cached_and_the_next_call_retries()
    {
        int calls = 0;
        using var configuration = Build(b => b.Add(t => Interlocked.Increment(ref calls) == 1
            ? throw new TimeoutException("first attempt fails")
            : new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.Throws<TimeoutException>(() => TenantContext.Get<ServiceA>());
            var second = TenantContext.Get<ServiceA>();
            Assert.Equal("acme", second.Slug);
            Assert.Same(second, TenantContext.Get<ServiceA>());
            Assert.Equal(2, calls);
        }
    }

    [Fact]
    public void A_factory_that_returns_null_is_reported_and_names_the_service()
    {
        using var configuration = Build(b => b.Add<ServiceA>(_ => null!));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<InvalidOperationException>(() => TenantContext.Get<ServiceA>());
            Assert.Contains(nameof(ServiceA), error.Message);
        }
    }

    [Fact]
    public void A_later_registration_of_the_same_type_replaces_the_earlier_one()
    {
        using var configuration = Build(b => b
            .Add(_ => new ServiceA("first"))
            .Add(_ => new ServiceA("second")));
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Equal("second", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
        }
    }

    // ---- per scope --------------------------------------------------------------------------------------------

    private static TenantConfiguration PerScope() => Build(b => b.Add(t => new PerScopeThing(t.Slug), TenantLifetime.PerScope));

    [Fact]
    public void A_per_scope_resource_is_created_once_per_scope()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.Same(TenantContext.Get<PerScopeThing>(), TenantContext.Get<PerScopeThing>());
        }
    }

    [Fact]
    public void Each_outermost_scope_gets_its_own_per_scope_resource()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        {
            var first = TenantContext.Run("acme", TenantContext.Get<PerScopeThing>);
            var second = TenantContext.Run("acme", TenantContext.Get<PerScopeThing>);
            Assert.NotSame(first, second);
        }
    }

    [Fact]
    public void A_nested_scope_of_the_same_tenant_shares_the_per_scope_resource()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var outer = TenantContext.Get<PerScopeThing>();
            using (TenantContext.Enter("acme"))
            {
                Assert.Same(outer, TenantContext.Get<PerScopeThing>());
            }
        }
    }

    [Fact]
    public void A_per_scope_resource_first_used_in_a_nested_scope_is_shared_with_the_outermost_scope()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            PerScopeThing inner;
            using (TenantContext.Enter("acme"))
            {
                inner = TenantContext.Get<PerScopeThing>();
            }

            Assert.False(inner.IsDisposed);
            Assert.Same(inner, TenantContext.Get<PerScopeThing>());
        }
    }

    [Fact]
    public void A_nested_scope_of_another_tenant_gets_its_own_per_scope_resource()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var outer = TenantContext.Get<PerScopeThing>();
            using (TenantContext.Enter("other"))
            {
                var inner = TenantContext.Get<PerScopeThing>();
                Assert.NotSame(outer, inner);
                Assert.Equal("other", inner.Slug);
            }
        }
    }

    [Fact]
    public void Ending_a_nested_same_tenant_scope_does_not_dispose_the_per_scope_resource()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var thing = TenantContext.Get<PerScopeThing>();
            using (TenantContext.Enter("acme"))
            {
                _ = TenantContext.Get<PerScopeThing>();
            }

            Assert.False(thing.IsDisposed);
        }
    }

    [Fact]
    public void A_per_scope_resource_is_disposed_when_the_outermost_scope_ends()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        {
            PerScopeThing thing;
            using (TenantContext.Enter("acme"))
            {
                using (TenantContext.Enter("acme"))
                {
                    thing = TenantContext.Get<PerScopeThing>();
                }
            }

            Assert.Equal(1, thing.DisposeCount);
        }
    }

    [Fact]
    public async Task A_child_task_shares_the_per_scope_resource_of_its_scope()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var mine = TenantContext.Get<PerScopeThing>();
            Assert.Same(mine, await Task.Run(TenantContext.Get<PerScopeThing>));
        }
    }

    [Fact]
    public void An_async_only_per_scope_resource_is_disposed_by_a_synchronous_Dispose()
    {
        using var configuration = Build(b => b.Add(t => new AsyncOnlyTracked(t.Slug), TenantLifetime.PerScope));
        using (TenantContext.UseConfiguration(configuration))
        {
            AsyncOnlyTracked thing;
            using (TenantContext.Enter("acme"))
            {
                thing = TenantContext.Get<AsyncOnlyTracked>();
            }

            Assert.True(thing.IsDisposed);
        }
    }

    [Fact]
    public async Task An_async_only_per_scope_resource_is_disposed_and_awaited_by_await_using()
    {
        using var configuration = Build(b => b.Add(t => new AsyncOnlyTracked(t.Slug, yieldFirst: true), TenantLifetime.PerScope));
        using (TenantContext.UseConfiguration(configuration))
        {
            AsyncOnlyTracked thing;
            await using (TenantContext.Enter("acme"))
            {
                thing = TenantContext.Get<AsyncOnlyTracked>();
            }

            Assert.True(thing.IsDisposed);
        }
    }

    [Fact]
    public async Task A_disposable_per_scope_resource_is_disposed_by_DisposeAsync()
    {
        using var configuration = PerScope();
        using (TenantContext.UseConfiguration(configuration))
        {
            PerScopeThing thing;
            await using (TenantContext.Enter("acme"))
            {
                thing = TenantContext.Get<PerScopeThing>();
            }

            Assert.Equal(1, thing.DisposeCount);
        }
    }

    [Fact]
    public void A_per_scope_resource_that_was_never_used_is_never_created()
    {
        int created = 0;
        using var configuration = Build(b => b.Add(t =>
        {
            created++;
            return new PerScopeThing(t.Slug);
        }, TenantLifetime.PerScope));
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run("acme", () => TenantContext.Current);
        }

        Assert.Equal(0, created);
    }

    // ---- transient --------------------------------------------------------------------------------------------

    [Fact]
    public void A_transient_resource_is_new_on_every_call()
    {
        using var configuration = Build(b => b.Add(t => new TransientThing(t.Slug), TenantLifetime.Transient));
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.NotSame(TenantContext.Get<TransientThing>(), TenantContext.Get<TransientThing>());
        }
    }

    [Fact]
    public void A_transient_resource_is_owned_by_the_caller_and_not_disposed_by_the_scope()
    {
        using var configuration = Build(b => b.Add(t => new TransientThing(t.Slug), TenantLifetime.Transient));
        using (TenantContext.UseConfiguration(configuration))
        {
            var thing = TenantContext.Run("acme", TenantContext.Get<TransientThing>);
            Assert.False(thing.IsDisposed);
        }
    }

    // ---- not registered ---------------------------------------------------------------------------------------

    [Fact]
    public void An_unregistered_role_throws_TenantResourceNotRegisteredException_with_a_registration_hint()
    {
        using var configuration = Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.GetStorage());
            Assert.Equal(typeof(ITenantStorage), error.ServiceType);
            Assert.Contains(".Storage(", error.Message);
        }
    }

    [Fact]
    public void A_flow_with_no_configuration_at_all_says_to_activate_the_hosts_configuration()
    {
        // What a second ASP.NET Core host of a process (test servers) meets outside a request: its configuration serves its
        // requests, the process has none. "Register one with TenantContext.Configure" would send the user the wrong way.
        using (TenantContext.UseConfiguration(TenantConfiguration.Empty))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.GetStorage());
            Assert.Contains("The process has no tenant configuration", error.Message);
            Assert.Contains("TenantContextHost>().Activate()", error.Message);
        }
    }

    [Fact]
    public void An_unregistered_database_names_the_Db_registration()
    {
        using var configuration = Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.GetDb());
            Assert.Contains(".Db(", error.Message);
        }
    }

    [Fact]
    public void An_unregistered_renderer_names_the_Renderer_registration()
    {
        using var configuration = Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.GetRenderer());
            Assert.Contains(".Renderer(", error.Message);
        }
    }

    [Fact]
    public void An_unregistered_service_names_the_Add_registration_with_its_type()
    {
        using var configuration = Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            var error = Assert.Throws<TenantResourceNotRegisteredException>(() => TenantContext.Get<ServiceB>());
            Assert.Equal(typeof(ServiceB), error.ServiceType);
            Assert.Contains("Add<ServiceB>", error.Message);
        }
    }

    [Fact]
    public void IsRegistered_reports_registrations()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        Assert.True(configuration.IsRegistered<ServiceA>());
        Assert.False(configuration.IsRegistered<ServiceB>());
    }

    // ---- tenant resolution ------------------------------------------------------------------------------------

    [Fact]
    public void A_refusing_resolver_makes_Enter_throw_TenantUnavailableException()
    {
        using var configuration = Build(b => b.ResolveTenant(slug =>
            throw new TenantUnavailableException(slug, TenantUnavailableReason.Archived, $"Tenant '{slug}' is archived; restore it first.")));
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("gone"));
            Assert.Equal(TenantUnavailableReason.Archived, error.Reason);
            Assert.Equal("gone", error.Slug);
            Assert.False(TenantContext.IsActive);
        }
    }

    [Fact]
    public void A_refusal_is_not_cached_and_the_next_Enter_asks_the_resolver_again()
    {
        int calls = 0;
        using var configuration = Build(b => b.ResolveTenant(slug => Interlocked.Increment(ref calls) == 1
            ? throw new TenantUnavailableException(slug, TenantUnavailableReason.NotFound, "not yet")
            : new TenantInfo(slug, record: "catalog row")));
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Throws<TenantUnavailableException>(() => TenantContext.Enter("late"));
            using (TenantContext.Enter("late"))
            {
                Assert.Equal("catalog row", TenantContext.Current.GetRecord<string>());
            }

            Assert.Equal(2, calls);
        }
    }

    [Fact]
    public void An_accepted_tenant_is_resolved_once_and_cached()
    {
        int calls = 0;
        using var configuration = Build(b => b.ResolveTenant(slug =>
        {
            Interlocked.Increment(ref calls);
            return new TenantInfo(slug);
        }));
        using (TenantContext.UseConfiguration(configuration))
        {
            TenantContext.Run("acme", () => { });
            TenantContext.Run("acme", () => { });
            Assert.Equal(1, calls);
        }
    }

    [Fact]
    public void A_resolver_that_returns_another_tenant_is_refused()
    {
        using var configuration = Build(b => b.ResolveTenant(_ => new TenantInfo("someone-else")));
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Throws<InvalidOperationException>(() => TenantContext.Enter("acme"));
            Assert.False(TenantContext.IsActive);
        }
    }

    // ---- forget and configuration disposal --------------------------------------------------------------------

    [Fact]
    public void Forget_disposes_the_resources_of_a_tenant_no_scope_uses()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var a = TenantContext.Run("acme", TenantContext.Get<ServiceA>);
            Assert.True(configuration.Forget("acme"));
            Assert.True(a.IsDisposed);
        }
    }

    [Fact]
    public void Forget_returns_false_for_a_tenant_that_is_not_cached()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        Assert.False(configuration.Forget("never-seen"));
    }

    [Fact]
    public void Forget_of_a_tenant_in_use_defers_disposal_until_the_last_scope_ends()
    {
        using var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            ServiceA a;
            using (TenantContext.Enter("acme"))
            {
                a = TenantContext.Get<ServiceA>();
                configuration.Forget("acme");
                Assert.False(a.IsDisposed);
                Assert.Same(a, TenantContext.Get<ServiceA>());
            }

            Assert.True(a.IsDisposed);
        }
    }

    [Fact]
    public void After_Forget_the_next_Enter_resolves_the_tenant_again_and_creates_fresh_resources()
    {
        int resolved = 0;
        using var configuration = Build(b => b
            .ResolveTenant(slug =>
            {
                Interlocked.Increment(ref resolved);
                return new TenantInfo(slug);
            })
            .Add(t => new ServiceA(t.Slug)));
        using (TenantContext.UseConfiguration(configuration))
        {
            var before = TenantContext.Run("acme", TenantContext.Get<ServiceA>);
            configuration.Forget("acme");
            var after = TenantContext.Run("acme", TenantContext.Get<ServiceA>);
            Assert.NotSame(before, after);
            Assert.Equal(2, resolved);
        }
    }

    [Fact]
    public void Disposing_the_configuration_disposes_its_cached_resources()
    {
        var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)).Add(t => new AsyncOnlyTracked(t.Slug, yieldFirst: false)));
        ServiceA a;
        AsyncOnlyTracked b;
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            a = TenantContext.Get<ServiceA>();
            b = TenantContext.Get<AsyncOnlyTracked>();
        }

        configuration.Dispose();
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
    }

    [Fact]
    public async Task DisposeAsync_of_the_configuration_awaits_async_only_resources()
    {
        var configuration = Build(b => b.Add(t => new AsyncOnlyTracked(t.Slug, yieldFirst: true)).Add(t => new ServiceA(t.Slug)));
        AsyncOnlyTracked thing;
        ServiceA a;
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            thing = TenantContext.Get<AsyncOnlyTracked>();
            a = TenantContext.Get<ServiceA>();
        }

        await configuration.DisposeAsync();
        Assert.True(thing.IsDisposed);
        Assert.True(a.IsDisposed);
    }

    [Fact]
    public void Disposing_the_configuration_disposes_the_objects_it_owns()
    {
        var owned = new ServiceB("owned");
        var configuration = Build(b => b.Owns(owned));
        configuration.Dispose();
        Assert.True(owned.IsDisposed);
    }

    [Fact]
    public void Disposing_the_configuration_twice_disposes_resources_once()
    {
        var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        ServiceA a;
        using (TenantContext.UseConfiguration(configuration))
        {
            a = TenantContext.Run("acme", TenantContext.Get<ServiceA>);
        }

        configuration.Dispose();
        configuration.Dispose();
        Assert.Equal(1, a.DisposeCount);
    }

    [Fact]
    public void Entering_a_tenant_of_a_disposed_configuration_throws_ObjectDisposedException()
    {
        var configuration = Build(b => b.Add(t => new ServiceA(t.Slug)));
        configuration.Dispose();
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Throws<ObjectDisposedException>(() => TenantContext.Enter("acme"));
        }
    }
}
