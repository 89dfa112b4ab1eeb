namespace Tenancy.Tests;

[CollectionDefinition("ProcessConfiguration", DisableParallelization = true)]
public sealed class ProcessConfigurationCollection;

/// <summary>
/// The process-wide configuration: <see cref="TenantContext.Configure"/> and <see cref="TenantContext.TryLendProcessWide"/>.
/// The only tests that touch it: they run alone, and each starts and ends with a process that has no configuration.
/// </summary>
[Collection("ProcessConfiguration")]
public sealed class ProcessConfigurationTests : IDisposable
{
    public ProcessConfigurationTests() => ScopeFlow.ClearProcess();

    public void Dispose() => ScopeFlow.ClearProcess();

    [Fact]
    public void Configure_sets_the_configuration_used_outside_UseConfiguration()
    {
        TenantContext.Configure(b => b.Storage(t => new FakeStorage(t.Slug)));
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal("acme", ((FakeStorage)TenantContext.GetStorage()).Slug);
        }
    }

    [Fact]
    public void Configure_again_replaces_the_configuration_and_disposes_the_previous_ones_resources()
    {
        TenantContext.Configure(b => b.Add(t => new ServiceA(t.Slug)));
        var first = TenantContext.Run("acme", TenantContext.Get<ServiceA>);

        TenantContext.Configure(b => b.Add(t => new ServiceA(t.Slug)));
        var second = TenantContext.Run("acme", TenantContext.Get<ServiceA>);

        Assert.True(first.IsDisposed);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void UseConfiguration_wins_over_the_process_configuration_on_its_flow()
    {
        TenantContext.Configure(b => b.Add(_ => new ServiceA("process")));
        using var mine = TenantConfiguration.Build(b => b.Add(_ => new ServiceA("mine")));
        using (TenantContext.UseConfiguration(mine))
        {
            Assert.Equal("mine", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
        }

        Assert.Equal("process", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
    }

    [Fact]
    public void A_process_default_tenant_is_the_fallback_outside_a_scope()
    {
        TenantContext.Configure(b => b.DefaultTenant("main").Storage(t => new FakeStorage(t.Slug)));
        Assert.Equal("main", TenantContext.Current.Slug);
        Assert.Equal("main", ((FakeStorage)TenantContext.GetStorage()).Slug);
        Assert.False(TenantContext.IsActive);
    }

    [Fact]
    public void Configure_does_not_affect_a_flow_inside_UseConfiguration()
    {
        using var mine = TenantConfiguration.Build(b => b.Add(_ => new ServiceA("mine")));
        using (TenantContext.UseConfiguration(mine))
        {
            TenantContext.Configure(b => b.Add(_ => new ServiceA("process")));
            Assert.Same(mine, TenantContext.Configuration);
            Assert.Equal("mine", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
        }
    }

    // ---- a lent configuration (what an ASP.NET Core host does) -----------------------------------------------------

    [Fact]
    public void A_configuration_is_lent_only_to_a_process_that_has_none_and_the_lease_gives_the_slot_back()
    {
        using var host = TenantConfiguration.Build(b => b.Add(t => new ServiceA("host-" + t.Slug)));
        using var other = TenantConfiguration.Build(b => b.Add(t => new ServiceA("other-" + t.Slug)));

        var lease = TenantContext.TryLendProcessWide(host);
        Assert.NotNull(lease);
        Assert.Same(host, TenantContext.Configuration);
        Assert.Equal("host-acme", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
        Assert.Null(TenantContext.TryLendProcessWide(other)); // taken: the other stays per flow
        Assert.Null(TenantContext.TryLendProcessWide(host));  // already lent

        lease.Dispose();
        Assert.Same(TenantConfiguration.Empty, TenantContext.Configuration);
        lease.Dispose(); // twice: nothing
        using (TenantContext.TryLendProcessWide(other))
        {
            Assert.Same(other, TenantContext.Configuration);
        }

        Assert.Same(TenantConfiguration.Empty, TenantContext.Configuration);
    }

    [Fact]
    public void A_process_that_called_Configure_keeps_its_own_configuration()
    {
        TenantContext.Configure(b => b.Add(t => new ServiceA("app-" + t.Slug)));
        using var host = TenantConfiguration.Build(b => b.Add(t => new ServiceA("host-" + t.Slug)));

        Assert.Null(TenantContext.TryLendProcessWide(host));
        Assert.Null(TenantContext.TryLendProcessWide(TenantContext.Configuration)); // Configure's own: not lendable
        Assert.Equal("app-acme", TenantContext.Run("acme", TenantContext.Get<ServiceA>).Slug);
    }

    [Fact]
    public void Configure_replaces_a_lent_configuration_without_disposing_it_and_the_lease_then_changes_nothing()
    {
        using var host = TenantConfiguration.Build(b => b.Add(t => new ServiceA("host-" + t.Slug)));
        using var lease = TenantContext.TryLendProcessWide(host)!;
        var hostResource = TenantContext.Run("acme", TenantContext.Get<ServiceA>);

        TenantContext.Configure(b => b.Add(t => new ServiceA("app-" + t.Slug)));
        var appResource = TenantContext.Run("acme", TenantContext.Get<ServiceA>);
        Assert.Equal("app-acme", appResource.Slug);
        Assert.False(hostResource.IsDisposed); // not the process's to dispose
        using (TenantContext.UseConfiguration(host))
        {
            Assert.Same(hostResource, TenantContext.Run("acme", TenantContext.Get<ServiceA>));
        }

        lease.Dispose(); // the slot is the app's now: the lease never clears it
        Assert.Same(appResource, TenantContext.Run("acme", TenantContext.Get<ServiceA>));
        Assert.False(appResource.IsDisposed);

        TenantContext.Configure(b => b.Add(t => new ServiceA("later-" + t.Slug)));
        Assert.True(appResource.IsDisposed); // Configure's own configuration is still disposed when replaced
        Assert.False(hostResource.IsDisposed);
    }

    [Fact]
    public async Task Configurations_lent_at_once_have_exactly_one_winner()
    {
        var configurations = Enumerable.Range(0, 16).Select(i => TenantConfiguration.Build(b => b.Add(_ => new ServiceA("c" + i)))).ToArray();
        var leases = new IDisposable?[configurations.Length];
        try
        {
            using var go = new ManualResetEventSlim();
            var lending = configurations.Select((c, i) => Task.Run(() =>
            {
                go.Wait(TimeSpan.FromSeconds(10));
                leases[i] = TenantContext.TryLendProcessWide(c);
            })).ToArray();
            go.Set();
            await Task.WhenAll(lending).WaitAsync(TimeSpan.FromSeconds(30));

            int winner = Assert.Single(Enumerable.Range(0, leases.Length), i => leases[i] is not null);
            Assert.Same(configurations[winner], TenantContext.Configuration);
        }
        finally
        {
            foreach (var lease in leases)
            {
                lease?.Dispose();
            }

            foreach (var configuration in configurations)
            {
                configuration.Dispose();
            }
        }

        Assert.Same(TenantConfiguration.Empty, TenantContext.Configuration);
    }

    [Fact]
    public void A_disposed_configuration_is_not_lent()
    {
        var configuration = TenantConfiguration.Build(_ => { });
        configuration.Dispose();
        Assert.Throws<ObjectDisposedException>(() => TenantContext.TryLendProcessWide(configuration));
        Assert.Same(TenantConfiguration.Empty, TenantContext.Configuration);
    }
}
