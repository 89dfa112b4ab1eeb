using Tenancy.Generators.Tests.Runtime;

namespace Tenancy.Generators.Tests;

/// <summary>The accessors generated for <see cref="Wiki"/> during this project's build, exercised at run time.</summary>
public sealed class RuntimeTests : IDisposable
{
    private readonly TenantConfiguration _configuration;
    private readonly ConfigurationScope _active;

    public RuntimeTests()
    {
        // A configuration of this test's own, active on this test's flow only: tests run in parallel.
        _configuration = TenantConfiguration.Build(b => Wiki.Register(b, t => new WikiDatabase("db-" + t.Slug), t => new PageStore("store-" + t.Slug)));
        _active = TenantContext.UseConfiguration(_configuration);
    }

    public void Dispose()
    {
        _active.Dispose();
        _configuration.Dispose();
    }

    [Fact]
    public void Accessor_reads_the_current_tenants_instance()
    {
        using (Wiki.Enter("acme"))
        {
            Assert.Equal("db-acme", Wiki.Db.Name);
            Assert.Equal("store-acme", Wiki.Storage.Name);
        }
    }

    [Fact]
    public void Accessor_returns_the_same_per_tenant_instance_on_every_read()
    {
        using (Wiki.Enter("acme"))
        {
            Assert.Same(Wiki.Db, Wiki.Db);
        }
    }

    [Fact]
    public void Accessor_outside_a_scope_throws_naming_the_accessor()
    {
        var error = Assert.Throws<TenantScopeRequiredException>(() => Wiki.Db);
        Assert.Equal("Wiki.Db", error.Member);
        Assert.StartsWith("Wiki.Db needs a current tenant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_Enter_injects_the_given_instance_and_keeps_the_others_registered()
    {
        var fake = new WikiDatabase("fake");
        using (Wiki.Enter("acme", db: fake))
        {
            Assert.Same(fake, Wiki.Db);
            Assert.Equal("store-acme", Wiki.Storage.Name);
        }
    }

    [Fact]
    public void Typed_Enter_restores_the_registered_instance_when_disposed()
    {
        using (Wiki.Enter("acme"))
        {
            var registered = Wiki.Db;
            using (Wiki.Enter("acme", db: new WikiDatabase("fake")))
            {
                Assert.Equal("fake", Wiki.Db.Name);
            }

            Assert.Same(registered, Wiki.Db);
        }
    }

    [Fact]
    public void Typed_Enter_with_every_override_replaces_every_accessor()
    {
        var db = new WikiDatabase("fake-db");
        var storage = new PageStore("fake-store");
        using (Wiki.Enter("acme", db, storage))
        {
            Assert.Same(db, Wiki.Db);
            Assert.Same(storage, Wiki.Storage);
        }
    }

    [Fact]
    public async Task Parallel_flows_never_see_each_others_overrides()
    {
        using var start = new Barrier(8);
        var flows = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var fake = new WikiDatabase("fake-" + i);
            using (Wiki.Enter("acme", db: fake))
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                for (int step = 0; step < 20; step++)
                {
                    await Task.Yield();
                    Assert.Same(fake, Wiki.Db);
                }
            }
        }));
        await Task.WhenAll(flows);
    }

    [Fact]
    public void Register_honours_the_lifetime_given_per_accessor()
    {
        using var configuration = TenantConfiguration.Build(b => Wiki.Register(
            b, t => new WikiDatabase("db-" + t.Slug), t => new PageStore("store-" + t.Slug), storageLifetime: TenantLifetime.Transient));
        using (TenantContext.UseConfiguration(configuration))
        using (Wiki.Enter("acme"))
        {
            Assert.Same(Wiki.Db, Wiki.Db);
            Assert.NotSame(Wiki.Storage, Wiki.Storage);
        }
    }

    [Fact]
    public void Register_rejects_a_null_builder()
        => Assert.Throws<ArgumentNullException>("builder", () => Wiki.Register(null!, t => new WikiDatabase("x"), t => new PageStore("x")));
}
