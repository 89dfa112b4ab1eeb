namespace Tenancy.Tests;

[CollectionDefinition("ProcessConfiguration", DisableParallelization = true)]
public sealed class ProcessConfigurationCollection;

/// <summary>
/// The process-wide <see cref="TenantContext.Configure"/>. The only tests that touch it: they run alone, and each
/// restores an empty process configuration when it ends.
/// </summary>
[Collection("ProcessConfiguration")]
public sealed class ProcessConfigurationTests : IDisposable
{
    public void Dispose() => TenantContext.Configure(_ => { });

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
}
