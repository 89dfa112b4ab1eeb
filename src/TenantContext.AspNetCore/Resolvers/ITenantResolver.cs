using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// One way to find the tenant of a request. <c>UseTenantContext</c> asks its resolvers in order; the first that returns a
/// value wins. The value is a candidate: it is validated with <see cref="TenantSlug"/> (invalid → 400) and entered
/// (unknown or archived → 404) afterwards, so a resolver only extracts it.
/// </summary>
public interface ITenantResolver
{
    /// <summary>A short name for logs and problem details (<c>host</c>, <c>subdomain</c>, <c>header</c>, …).</summary>
    string Name { get; }

    /// <summary>Returns the tenant this request names, or null when this resolver does not apply to it.</summary>
    /// <param name="context">The request.</param>
    string? Resolve(HttpContext context);
}

/// <summary>A resolver that must see the request before routing, because it changes the path (<see cref="PathPrefixTenantResolver"/>).</summary>
public interface IPreRoutingTenantResolver : ITenantResolver
{
    /// <summary>Runs before routing; may rewrite <see cref="HttpRequest.PathBase"/> and <see cref="HttpRequest.Path"/>.</summary>
    /// <param name="context">The request.</param>
    /// <returns>An action that restores the request's path, or null when the resolver did not apply.</returns>
    Action? BeforeRouting(HttpContext context);
}
