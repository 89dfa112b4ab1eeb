using System.Net;
using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// Takes the tenant from a request header set by a reverse proxy, but only when the connection comes from a trusted
/// proxy (<see cref="TenantResolutionOptions.KnownProxies"/> or <see cref="TenantResolutionOptions.KnownNetworks"/>).
/// The same header from any other address is ignored, so a client cannot pick its tenant by sending it.
/// </summary>
/// <remarks>
/// The check uses <see cref="ConnectionInfo.RemoteIpAddress"/>. If the app also uses <c>UseForwardedHeaders</c>, call
/// <c>UseTenantContext</c> first, or the address checked is the one the proxy claims for the client.
/// </remarks>
public sealed class TrustedHeaderTenantResolver : ITenantResolver
{
    private readonly TenantResolutionOptions _options;

    /// <summary>Creates the resolver.</summary>
    /// <param name="headerName">The header, such as <c>X-Tenant</c>.</param>
    /// <param name="options">The options that hold the trusted proxies.</param>
    public TrustedHeaderTenantResolver(string headerName, TenantResolutionOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        HeaderName = headerName;
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The header.</summary>
    public string HeaderName { get; }

    /// <inheritdoc />
    public string Name => "header";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var values = context.Request.Headers[HeaderName];
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }

        return _options.IsTrustedProxy(context.Connection.RemoteIpAddress) ? values[0] : null;
    }
}

/// <summary>Whether an address belongs to the trusted proxies.</summary>
internal static class TrustedProxies
{
    internal static bool Contains(IEnumerable<IPAddress> proxies, IEnumerable<IPNetwork> networks, IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var proxy in proxies)
        {
            if (address.Equals(proxy.IsIPv4MappedToIPv6 ? proxy.MapToIPv4() : proxy))
            {
                return true;
            }
        }

        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
