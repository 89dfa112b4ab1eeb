using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>Takes the tenant from a route value (<c>/sites/{tenant}/…</c>). Route values exist after routing, which <c>UseTenantContext</c> follows.</summary>
public sealed class RouteValueTenantResolver : ITenantResolver
{
    /// <summary>Creates the resolver.</summary>
    /// <param name="routeValueName">The route parameter, such as <c>tenant</c>.</param>
    public RouteValueTenantResolver(string routeValueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(routeValueName);
        RouteValueName = routeValueName;
    }

    /// <summary>The route parameter.</summary>
    public string RouteValueName { get; }

    /// <inheritdoc />
    public string Name => "route";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.RouteValues.TryGetValue(RouteValueName, out var value) && value is not null
            ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }
}
