using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// Takes the tenant from the one label in front of a parent domain: with parent <c>wiki.example</c>,
/// <c>acme.wiki.example</c> → <c>acme</c>. The parent itself and deeper names (<c>a.b.wiki.example</c>) do not match.
/// The label is lower-cased (host names ignore case); anything else about it is checked as a slug later.
/// </summary>
public sealed class SubdomainTenantResolver : ITenantResolver
{
    private readonly string _suffix;

    /// <summary>Creates the resolver.</summary>
    /// <param name="parentDomain">The parent domain, such as <c>wiki.example</c> (or <c>localhost</c> for development).</param>
    public SubdomainTenantResolver(string parentDomain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentDomain);
        ParentDomain = parentDomain.Trim().TrimEnd('.').TrimStart('.').ToLowerInvariant();
        _suffix = "." + ParentDomain;
    }

    /// <summary>The parent domain.</summary>
    public string ParentDomain { get; }

    /// <inheritdoc />
    public string Name => "subdomain";

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Request.Host.Host.TrimEnd('.');
        if (host.Length <= _suffix.Length || !host.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var label = host[..^_suffix.Length];
        return label.Contains('.', StringComparison.Ordinal) ? null : label.ToLowerInvariant();
    }
}
