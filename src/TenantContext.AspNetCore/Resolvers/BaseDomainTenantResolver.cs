using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// Derives the tenant from the request's registrable base domain with <see cref="TenantDomain"/>:
/// <c>www.example.co.uk</c> and <c>shop.example.co.uk</c> both become <c>example-co-uk-</c> and a short hash. Hosts
/// without a registrable domain (IP addresses, <c>localhost</c>, public suffixes) do not match.
/// </summary>
public sealed class BaseDomainTenantResolver : ITenantResolver
{
    private readonly TenantDomain _domain;

    /// <summary>Creates the resolver.</summary>
    /// <param name="domain">The Public Suffix List to use; <see cref="TenantDomain.Default"/> when null.</param>
    public BaseDomainTenantResolver(TenantDomain? domain = null)
    {
        _domain = domain ?? TenantDomain.Default;
    }

    /// <inheritdoc />
    public string Name => "base-domain";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Request.Host.Value;
        return !string.IsNullOrEmpty(host) && _domain.TryGetTenantSlug(host, out var slug) ? slug : null;
    }
}
