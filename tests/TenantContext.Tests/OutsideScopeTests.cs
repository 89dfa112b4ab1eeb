namespace Tenancy.Tests;

/// <summary>Accessors used where no tenant scope is active: they throw, or fall back to a configured default tenant.</summary>
public sealed class OutsideScopeTests
{
    private static TenantConfiguration Build(string? defaultTenant = null) => TenantConfiguration.Build(b =>
    {
        b.Db(t => new FakeDb(t.Slug))
         .Storage(t => new FakeStorage(t.Slug))
         .Renderer(t => new FakeRenderer(t.Slug))
         .Add(t => new ServiceA(t.Slug))
         .Add(t => new PerScopeThing(t.Slug), TenantLifetime.PerScope);
        if (defaultTenant is not null)
        {
            b.DefaultTenant(defaultTenant);
        }
    });

    public static TheoryData<string> Accessors => new()
    {
        "TenantContext.GetDb()",
        "TenantContext.GetStorage()",
        "TenantContext.GetRenderer()",
        "TenantContext.Get<ServiceA>()",
        "TenantContext.Current",
        "TenantContext.Capture()",
    };

    private static object Call(string accessor) => accessor switch
    {
        "TenantContext.GetDb()" => TenantContext.GetDb(),
        "TenantContext.GetStorage()" => TenantContext.GetStorage(),
        "TenantContext.GetRenderer()" => TenantContext.GetRenderer(),
        "TenantContext.Get<ServiceA>()" => TenantContext.Get<ServiceA>(),
        "TenantContext.Current" => TenantContext.Current,
        "TenantContext.Capture()" => TenantContext.Capture(),
        _ => throw new ArgumentOutOfRangeException(nameof(accessor)),
    };

    [Theory]
    [MemberData(nameof(Accessors))]
    public void Outside_a_scope_every_accessor_throws_TenantScopeRequiredException(string accessor)
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Throws<TenantScopeRequiredException>(() => Call(accessor));
        }
    }

    [Theory]
    [MemberData(nameof(Accessors))]
    public void The_exception_names_the_accessor_and_shows_the_using_Enter_fix(string accessor)
    {
        using var configuration = Build();
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<TenantScopeRequiredException>(() => Call(accessor));
            Assert.Equal(accessor, error.Member);
            Assert.StartsWith(accessor + " ", error.Message);
            Assert.Contains("using (TenantContext.Enter(", error.Message);
        }
    }

    [Fact]
    public void Outside_a_scope_an_unregistered_resource_still_reports_the_missing_scope_first()
    {
        using var configuration = TenantConfiguration.Build(_ => { });
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.Throws<TenantScopeRequiredException>(() => TenantContext.GetStorage());
        }
    }

    [Theory]
    [MemberData(nameof(Accessors))]
    public void With_a_default_tenant_every_accessor_falls_back_to_it(string accessor)
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        {
            var result = Call(accessor);
            var slug = result switch
            {
                Tracked t => t.Slug,
                TenantInfo info => info.Slug,
                TenantSnapshot snapshot => snapshot.Tenant.Slug,
                _ => null,
            };
            Assert.Equal("main", slug);
        }
    }

    [Fact]
    public void With_a_default_tenant_IsActive_stays_false_outside_a_scope()
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        {
            _ = TenantContext.GetStorage();
            Assert.False(TenantContext.IsActive);
        }
    }

    [Fact]
    public void With_a_default_tenant_TryGetCurrent_returns_it_outside_a_scope()
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        {
            Assert.True(TenantContext.TryGetCurrent(out var tenant));
            Assert.Equal("main", tenant!.Slug);
        }
    }

    [Fact]
    public void With_a_default_tenant_the_fallback_resource_is_cached_like_any_per_tenant_resource()
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        {
            ITenantStorage outside = TenantContext.GetStorage();
            Assert.Same(outside, TenantContext.GetStorage());
            using (TenantContext.Enter("main"))
            {
                Assert.Same(outside, TenantContext.GetStorage());
            }
        }
    }

    [Fact]
    public void With_a_default_tenant_an_entered_scope_still_wins()
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        using (TenantContext.Enter("acme"))
        {
            Assert.Equal("acme", TenantContext.Current.Slug);
            Assert.Equal("acme", ((FakeStorage)TenantContext.GetStorage()).Slug);
        }
    }

    [Fact]
    public void With_a_default_tenant_a_per_scope_resource_outside_a_scope_asks_for_a_scope()
    {
        using var configuration = Build(defaultTenant: "main");
        using (TenantContext.UseConfiguration(configuration))
        {
            var error = Assert.Throws<InvalidOperationException>(() => TenantContext.Get<PerScopeThing>());
            Assert.Contains("TenantContext.Enter(", error.Message);
        }
    }

    [Fact]
    public void DefaultTenant_refuses_an_invalid_slug()
    {
        var error = Assert.Throws<InvalidTenantSlugException>(() => TenantConfiguration.Build(b => b.DefaultTenant("Main")));
        Assert.Equal(TenantSlugRule.InvalidCharacter, error.Rule);
    }
}
