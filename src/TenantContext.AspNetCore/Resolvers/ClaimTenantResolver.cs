using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>Takes the tenant from a claim of the authenticated user. Call <c>UseAuthentication</c> before <c>UseTenantContext</c>.</summary>
public sealed class ClaimTenantResolver : ITenantResolver
{
    /// <summary>Creates the resolver.</summary>
    /// <param name="claimType">The claim type, such as <c>tenant</c>.</param>
    public ClaimTenantResolver(string claimType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimType);
        ClaimType = claimType;
    }

    /// <summary>The claim type.</summary>
    public string ClaimType { get; }

    /// <inheritdoc />
    public string Name => "claim";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(ClaimType)?.Value : null;
    }
}
