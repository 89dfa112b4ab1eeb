using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Tenancy;
using Tenancy.AspNetCore;

namespace Tenancy.AspNetCore.Tests;

/// <summary>Each resolver on its own, on a hand-made request.</summary>
public sealed class ResolverTests
{
    private static DefaultHttpContext Request(string host, string path = "/", IPAddress? remote = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = remote ?? IPAddress.Loopback;
        return context;
    }

    [Fact]
    public void Host_map_matches_the_host_ignoring_case_port_and_trailing_dot()
    {
        var resolver = new HostMapTenantResolver(new Dictionary<string, string> { ["wiki.acme.com"] = "acme" });
        Assert.Equal("acme", resolver.Resolve(Request("Wiki.ACME.com.:8443")));
    }

    [Fact]
    public void Host_map_does_not_match_other_hosts()
    {
        var resolver = new HostMapTenantResolver(new Dictionary<string, string> { ["wiki.acme.com"] = "acme" });
        Assert.Null(resolver.Resolve(Request("evil.acme.com")));
    }

    [Fact]
    public void Base_domain_gives_subdomains_their_parents_tenant()
    {
        var resolver = new BaseDomainTenantResolver();
        var expected = TenantDomain.ToSlug("example.co.uk");
        Assert.Equal(expected, resolver.Resolve(Request("www.example.co.uk")));
        Assert.Equal(expected, resolver.Resolve(Request("Shop.Example.co.uk:8080")));
    }

    [Theory]
    [InlineData("127.0.0.1:5080")]
    [InlineData("localhost")]
    [InlineData("co.uk")]
    public void Base_domain_does_not_match_hosts_without_a_registrable_domain(string host)
    {
        Assert.Null(new BaseDomainTenantResolver().Resolve(Request(host)));
    }

    [Fact]
    public void Subdomain_takes_the_label_in_front_of_the_parent_lower_cased()
    {
        Assert.Equal("acme", new SubdomainTenantResolver("wiki.example").Resolve(Request("Acme.Wiki.Example:8080")));
    }

    [Theory]
    [InlineData("wiki.example")]
    [InlineData("a.b.wiki.example")]
    [InlineData("acme.otherwiki.example")]
    [InlineData("acme.example")]
    public void Subdomain_does_not_match_the_parent_deeper_names_or_other_domains(string host)
    {
        Assert.Null(new SubdomainTenantResolver("wiki.example").Resolve(Request(host)));
    }

    [Fact]
    public void Trusted_header_is_believed_from_a_known_proxy()
    {
        var options = new TenantResolutionOptions();
        options.KnownProxies.Add(IPAddress.Parse("10.1.2.3"));
        var context = Request("farm", remote: IPAddress.Parse("10.1.2.3"));
        context.Request.Headers["X-Tenant"] = "acme";
        Assert.Equal("acme", new TrustedHeaderTenantResolver("X-Tenant", options).Resolve(context));
    }

    [Fact]
    public void Trusted_header_is_believed_from_a_known_network_also_over_ipv4_mapped_ipv6()
    {
        var options = new TenantResolutionOptions();
        options.KnownNetworks.Add(IPNetwork.Parse("10.0.0.0/8"));
        var context = Request("farm", remote: IPAddress.Parse("10.9.8.7").MapToIPv6());
        context.Request.Headers["X-Tenant"] = "acme";
        Assert.Equal("acme", new TrustedHeaderTenantResolver("X-Tenant", options).Resolve(context));
    }

    [Fact]
    public void Trusted_header_from_any_other_address_is_ignored()
    {
        var options = new TenantResolutionOptions();
        options.KnownProxies.Add(IPAddress.Parse("10.1.2.3"));
        var context = Request("farm", remote: IPAddress.Parse("10.1.2.4"));
        context.Request.Headers["X-Tenant"] = "acme";
        Assert.Null(new TrustedHeaderTenantResolver("X-Tenant", options).Resolve(context));
    }

    [Fact]
    public void Trusted_header_is_ignored_when_no_proxy_is_configured()
    {
        var context = Request("farm");
        context.Request.Headers["X-Tenant"] = "acme";
        Assert.Null(new TrustedHeaderTenantResolver("X-Tenant", new TenantResolutionOptions()).Resolve(context));
    }

    [Fact]
    public void Route_value_is_read_from_the_matched_route()
    {
        var context = Request("farm");
        context.Request.RouteValues["tenant"] = "globex";
        Assert.Equal("globex", new RouteValueTenantResolver("tenant").Resolve(context));
    }

    [Fact]
    public void Claim_is_read_from_an_authenticated_user_only()
    {
        var context = Request("farm");
        var claims = new[] { new Claim("tenant", "initech") };
        context.User = new ClaimsPrincipal(new ClaimsIdentity(claims));
        Assert.Null(new ClaimTenantResolver("tenant").Resolve(context));
        context.User = new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType: "test"));
        Assert.Equal("initech", new ClaimTenantResolver("tenant").Resolve(context));
    }

    [Fact]
    public void Path_prefix_moves_prefix_and_tenant_into_path_base_and_restores_them()
    {
        var resolver = new PathPrefixTenantResolver("/w");
        var context = Request("farm", "/w/acme/pages/home");
        context.Request.PathBase = "/app";
        var restore = resolver.BeforeRouting(context);
        Assert.NotNull(restore);
        Assert.Equal("acme", resolver.Resolve(context));
        Assert.Equal("/app/w/acme", context.Request.PathBase.Value);
        Assert.Equal("/pages/home", context.Request.Path.Value);
        restore!();
        Assert.Equal("/app", context.Request.PathBase.Value);
        Assert.Equal("/w/acme/pages/home", context.Request.Path.Value);
        Assert.Null(resolver.Resolve(context));
    }

    [Theory]
    [InlineData("/wiki/acme")]
    [InlineData("/w")]
    [InlineData("/w/")]
    [InlineData("/pages/home")]
    public void Path_prefix_does_not_match_other_paths(string path)
    {
        var resolver = new PathPrefixTenantResolver("/w");
        var context = Request("farm", path);
        Assert.Null(resolver.BeforeRouting(context));
        Assert.Equal(path, context.Request.Path.Value);
    }
}
