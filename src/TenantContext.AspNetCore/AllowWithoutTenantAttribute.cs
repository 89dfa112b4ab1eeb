using Microsoft.AspNetCore.Builder;

namespace Tenancy.AspNetCore;

/// <summary>
/// Endpoint metadata: the endpoint runs when no tenant is resolved for the request (a landing page, a health check,
/// an administration page that works across tenants). Without it, a request that resolves no tenant is answered with
/// 404 problem details by <c>UseTenantContext</c>. When a tenant <em>is</em> resolved, the endpoint still runs inside
/// its scope; an invalid or unknown tenant is still refused (400/404).
/// </summary>
/// <remarks>
/// Apply it to a handler method or controller, or with <see cref="TenantEndpointConventionBuilderExtensions.AllowWithoutTenant{TBuilder}"/>.
/// A handler of such an endpoint must not use tenant-scoped members unconditionally: the analyzers see it as outside a
/// scope (it is not marked <see cref="RequiresTenantAttribute"/>), so they report <c>TC1001</c> unless the use is guarded
/// by <c>if (TenantContext.IsActive)</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, Inherited = false)]
public sealed class AllowWithoutTenantAttribute : Attribute
{
}

/// <summary>Marks endpoints that run without a tenant.</summary>
public static class TenantEndpointConventionBuilderExtensions
{
    /// <summary>Adds <see cref="AllowWithoutTenantAttribute"/> metadata: the endpoint runs when no tenant is resolved.</summary>
    /// <typeparam name="TBuilder">The endpoint (or group) builder.</typeparam>
    /// <param name="builder">The endpoint or route group.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static TBuilder AllowWithoutTenant<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint => endpoint.Metadata.Add(new AllowWithoutTenantAttribute()));
        return builder;
    }
}
