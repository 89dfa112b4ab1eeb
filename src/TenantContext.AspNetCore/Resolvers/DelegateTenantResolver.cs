using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>A resolver made from a function (<see cref="TenantResolutionOptions.FromRequest"/>).</summary>
internal sealed class DelegateTenantResolver(string name, Func<HttpContext, string?> resolve) : ITenantResolver
{
    public string Name { get; } = name;

    public string? Resolve(HttpContext context) => resolve(context);
}
