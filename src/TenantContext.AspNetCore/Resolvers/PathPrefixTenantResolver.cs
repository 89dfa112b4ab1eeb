using Microsoft.AspNetCore.Http;

namespace Tenancy.AspNetCore;

/// <summary>
/// Takes the tenant from the path segment after a prefix, and moves both into <see cref="HttpRequest.PathBase"/>:
/// with prefix <c>/w</c>, <c>/w/acme/pages/home</c> is served as path <c>/pages/home</c> with path base <c>/w/acme</c>,
/// so the app's routes and links need not know the prefix. Because it changes the path, it runs before routing.
/// Whenever the prefix matches, the path is rewritten, whichever resolver then wins.
/// </summary>
public sealed class PathPrefixTenantResolver : IPreRoutingTenantResolver
{
    private readonly object _key = new();

    /// <summary>Creates the resolver.</summary>
    /// <param name="prefix">The prefix before the tenant segment, such as <c>/w</c>; <c>/</c> when the tenant is the first segment.</param>
    public PathPrefixTenantResolver(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var trimmed = prefix.Trim().TrimEnd('/');
        Prefix = trimmed.Length == 0 ? PathString.Empty : new PathString(trimmed.StartsWith('/') ? trimmed : "/" + trimmed);
    }

    /// <summary>The prefix before the tenant segment.</summary>
    public PathString Prefix { get; }

    /// <inheritdoc />
    public string Name => "path";

    /// <inheritdoc />
    public Action? BeforeRouting(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var path = request.Path;
        if (!path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase, out var afterPrefix) || !afterPrefix.HasValue)
        {
            return null;
        }

        var rest = afterPrefix.Value!.AsSpan(1);
        int slash = rest.IndexOf('/');
        var segment = (slash < 0 ? rest : rest[..slash]).ToString();
        if (segment.Length == 0)
        {
            return null;
        }

        var originalBase = request.PathBase;
        var originalPath = request.Path;
        request.PathBase = originalBase.Add(Prefix).Add(new PathString("/" + segment));
        request.Path = slash < 0 ? PathString.Empty : new PathString(rest[slash..].ToString());
        context.Items[_key] = segment;
        return () =>
        {
            request.PathBase = originalBase;
            request.Path = originalPath;
            context.Items.Remove(_key);
        };
    }

    /// <inheritdoc />
    public string? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(_key, out var value) ? value as string : null;
    }
}
