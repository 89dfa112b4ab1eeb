namespace Tenancy.Tests;

/// <summary>Several configurations in one process, each active for its own flows.</summary>
public sealed class ConfigurationTests
{
    private static TenantConfiguration Build() => TenantConfiguration.Build(b => b
        .Storage(t => new FakeStorage(t.Slug))
        .Add(t => new ServiceA(t.Slug)));

    [Fact]
    public void UseConfiguration_makes_the_configuration_current_for_the_flow()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Same(configuration, TenantContext.Configuration);
        }
    }

    [Fact]
    public void Disposing_the_configuration_scope_restores_the_previous_configuration()
    {
        using var outer = Build();
        using var inner = Build();
        using (TenantContext.UseConfiguration(outer))
        {
            using (TenantContext.UseConfiguration(inner))
            {
                Assert.Same(inner, TenantContext.Configuration);
            }

            Assert.Same(outer, TenantContext.Configuration);
        }
    }

    [Fact]
    public void A_scope_entered_under_a_configuration_uses_its_resources()
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        using (var scope = TenantContext.Enter("acme"))
        {
            Assert.Same(configuration, scope.Configuration);
            Assert.Same(configuration, TenantContext.Configuration);
        }
    }

    [Fact]
    public void A_tenant_scope_keeps_its_configuration_when_another_is_activated_inside_it()
    {
        using var first = Build();
        using var second = Build();
        using (TenantContext.UseConfiguration(first))
        using (TenantContext.Enter("acme"))
        {
            var before = TenantContext.Get<ServiceA>();
            using (TenantContext.UseConfiguration(second))
            using (TenantContext.Enter("acme"))
            {
                Assert.NotSame(before, TenantContext.Get<ServiceA>());
            }

            Assert.Same(before, TenantContext.Get<ServiceA>());
        }
    }

    [Fact]
    public async Task Two_configurations_on_parallel_flows_never_share_resources()
    {
        using var left = Build();
        using var right = Build();

        async Task<List<object>> Collect(TenantConfiguration configuration)
        {
            var seen = new List<object>();
            using (TenantContext.UseConfiguration(configuration))
            {
                for (int i = 0; i < 50; i++)
                {
                    await Task.Yield();
                    using (TenantContext.Enter($"t{i % 5}"))
                    {
                        seen.Add(TenantContext.GetStorage());
                        seen.Add(TenantContext.Get<ServiceA>());
                    }
                }
            }

            return seen;
        }

        var results = await Task.WhenAll(Task.Run(() => Collect(left)), Task.Run(() => Collect(right)));
        var shared = results[0].Intersect(results[1], ReferenceEqualityComparer.Instance).ToList();
        Assert.Empty(shared);
        Assert.Equal(5, left.CachedTenantCount);
        Assert.Equal(5, right.CachedTenantCount);
    }

    [Fact]
    public async Task A_configuration_activated_on_a_parallel_flow_does_not_change_this_one()
    {
        using var mine = Build();
        using var theirs = Build();
        using (TenantContext.UseConfiguration(mine))
        {
            var seen = await Task.Run(() =>
            {
                using (TenantContext.UseConfiguration(theirs))
                {
                    return TenantContext.Configuration;
                }
            });
            Assert.Same(theirs, seen);
            Assert.Same(mine, TenantContext.Configuration);
        }
    }

    [Fact]
    public void Disposing_a_configuration_scope_out_of_order_throws_TenantScopeMismatchException()
    {
        using var outer = Build();
        using var inner = Build();
        var outerScope = TenantContext.UseConfiguration(outer);
        var innerScope = TenantContext.UseConfiguration(inner);
        try
        {
            Assert.Throws<TenantScopeMismatchException>(() => outerScope.Dispose());
            Assert.Same(inner, TenantContext.Configuration);
        }
        finally
        {
            innerScope.Dispose();
            outerScope.Dispose();
        }
    }

    [Fact]
    public void Disposing_a_configuration_scope_while_a_tenant_scope_inside_it_is_current_throws()
    {
        using var configuration = Build();
        var use = TenantContext.UseConfiguration(configuration);
        var scope = TenantContext.Enter("acme");
        try
        {
            Assert.Throws<TenantScopeMismatchException>(() => use.Dispose());
            Assert.Equal("acme", TenantContext.Current.Slug);
        }
        finally
        {
            scope.Dispose();
            use.Dispose();
        }
    }

    [Fact]
    public void Disposing_a_configuration_scope_twice_is_a_no_op()
    {
        using var outer = Build();
        using var inner = Build();
        using (TenantContext.UseConfiguration(outer))
        {
            var use = TenantContext.UseConfiguration(inner);
            use.Dispose();
            use.Dispose();
            Assert.Same(outer, TenantContext.Configuration);
        }
    }

    [Fact]
    public void UseConfiguration_refuses_null()
    {
        Assert.Throws<ArgumentNullException>(() => TenantContext.UseConfiguration(null!));
    }

    [Fact]
    public void Build_runs_OnBuilt_callbacks_with_the_built_configuration()
    {
        TenantConfiguration? seen = null;
        using var configuration = TenantConfiguration.Build(b => b.OnBuilt(c => seen = c));
        Assert.Same(configuration, seen);
    }

    [Fact]
    public void Build_copies_builder_properties_and_settings()
    {
        using var configuration = TenantConfiguration.Build(b =>
        {
            b.Properties["sqlite"] = "options";
            b.DefaultTenant("main").MaxCachedTenants(7);
        });
        Assert.Equal("options", configuration.Properties["sqlite"]);
        Assert.Equal("main", configuration.DefaultTenant);
        Assert.Equal(7, configuration.MaxCachedTenants);
    }

    [Fact]
    public void The_default_bound_is_1024_tenants_and_there_is_no_default_tenant()
    {
        using var configuration = TenantConfiguration.Build(_ => { });
        Assert.Equal(1024, configuration.MaxCachedTenants);
        Assert.Null(configuration.DefaultTenant);
    }
}
