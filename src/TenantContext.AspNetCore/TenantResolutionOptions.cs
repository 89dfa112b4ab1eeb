using System.Net;
using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// How <c>UseTenantContext</c> finds a request's tenant: an ordered list of resolvers (the first that names a tenant
/// wins), the trusted proxies for header resolution, and what to answer when no tenant is found.
/// </summary>
public sealed class TenantResolutionOptions
{
    private readonly List<ITenantResolver> _resolvers = new();

    /// <summary>The resolvers, in the order they are asked.</summary>
    public IReadOnlyList<ITenantResolver> Resolvers => _resolvers;

    /// <summary>Proxies whose tenant header (<see cref="FromTrustedHeader"/>) is believed. Empty by default: no header is believed.</summary>
    public IList<IPAddress> KnownProxies { get; } = new List<IPAddress>();

    /// <summary>Networks whose tenant header is believed (for example <c>IPNetwork.Parse("10.0.0.0/8")</c>). Empty by default.</summary>
    public IList<IPNetwork> KnownNetworks { get; } = new List<IPNetwork>();

    /// <summary>
    /// When true, every resolver is asked, and a request whose resolvers name different tenants (a subdomain and a path
    /// prefix, say: <c>acme.wiki.example/w/globex/…</c>) is answered 400 "Ambiguous tenant" instead of being served as the
    /// first one's tenant with the second one's path base. False by default: the first resolver to name a tenant wins.
    /// </summary>
    public bool RefuseAmbiguousTenants { get; set; }

    /// <summary>Whether <paramref name="address"/> is a trusted proxy (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    /// <param name="address">A connection's remote address.</param>
    public bool IsTrustedProxy(IPAddress? address) => TrustedProxies.Contains(KnownProxies, KnownNetworks, address);

    /// <summary>Adds a resolver of your own at the end of the list.</summary>
    /// <param name="resolver">The resolver.</param>
    public TenantResolutionOptions Add(ITenantResolver resolver)
    {
        _resolvers.Add(resolver ?? throw new ArgumentNullException(nameof(resolver)));
        return this;
    }

    /// <summary>Maps exact host names to tenants (<see cref="HostMapTenantResolver"/>).</summary>
    /// <param name="map">Host → tenant.</param>
    public TenantResolutionOptions FromHostMap(IEnumerable<KeyValuePair<string, string>> map) => Add(new HostMapTenantResolver(map));

    /// <summary>Derives the tenant from the host's registrable base domain (<see cref="BaseDomainTenantResolver"/>).</summary>
    /// <param name="domain">The Public Suffix List; <see cref="TenantDomain.Default"/> when null.</param>
    public TenantResolutionOptions FromBaseDomain(TenantDomain? domain = null) => Add(new BaseDomainTenantResolver(domain));

    /// <summary>Takes the tenant from the label in front of <paramref name="parentDomain"/> (<see cref="SubdomainTenantResolver"/>).</summary>
    /// <param name="parentDomain">Such as <c>wiki.example</c>: <c>acme.wiki.example</c> → <c>acme</c>.</param>
    public TenantResolutionOptions FromSubdomain(string parentDomain) => Add(new SubdomainTenantResolver(parentDomain));

    /// <summary>
    /// Takes the tenant from a header, believed only from <see cref="KnownProxies"/> and <see cref="KnownNetworks"/>
    /// (<see cref="TrustedHeaderTenantResolver"/>); from anywhere else it is ignored.
    /// </summary>
    /// <param name="headerName">The header, such as <c>X-Tenant</c>.</param>
    public TenantResolutionOptions FromTrustedHeader(string headerName) => Add(new TrustedHeaderTenantResolver(headerName, this));

    /// <summary>Takes the tenant from a route value (<see cref="RouteValueTenantResolver"/>).</summary>
    /// <param name="routeValueName">The route parameter, such as <c>tenant</c>.</param>
    public TenantResolutionOptions FromRouteValue(string routeValueName) => Add(new RouteValueTenantResolver(routeValueName));

    /// <summary>Takes the tenant from the segment after <paramref name="prefix"/> and moves both into the path base (<see cref="PathPrefixTenantResolver"/>).</summary>
    /// <param name="prefix">Such as <c>/w</c>: <c>/w/acme/pages</c> → tenant <c>acme</c>, path <c>/pages</c>.</param>
    public TenantResolutionOptions FromPathPrefix(string prefix) => Add(new PathPrefixTenantResolver(prefix));

    /// <summary>Takes the tenant from a claim of the authenticated user (<see cref="ClaimTenantResolver"/>).</summary>
    /// <param name="claimType">The claim type.</param>
    public TenantResolutionOptions FromClaim(string claimType) => Add(new ClaimTenantResolver(claimType));

    /// <summary>Takes the tenant from a function of the request; return null when it does not apply.</summary>
    /// <param name="name">A short name for logs and problem details.</param>
    /// <param name="resolve">The function.</param>
    public TenantResolutionOptions FromRequest(string name, Func<HttpContext, string?> resolve)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(resolve);
        return Add(new DelegateTenantResolver(name, resolve));
    }
}
