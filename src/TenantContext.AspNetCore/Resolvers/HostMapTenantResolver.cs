using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>Maps exact host names (without the port, case-insensitive) to tenants: <c>wiki.acme.com</c> → <c>acme</c>.</summary>
public sealed class HostMapTenantResolver : ITenantResolver
{
    private readonly Dictionary<string, string> _map;

    /// <summary>Creates the resolver.</summary>
    /// <param name="map">Host → tenant. Hosts are compared without port and trailing dot, ignoring case.</param>
    public HostMapTenantResolver(IEnumerable<KeyValuePair<string, string>> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (host, tenant) in map)
        {
            _map[host.TrimEnd('.')] = tenant;
        }
    }

    /// <inheritdoc />
    public string Name => "host";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Request.Host.Host.TrimEnd('.');
        return host.Length > 0 && _map.TryGetValue(host, out var tenant) ? tenant : null;
    }
}
