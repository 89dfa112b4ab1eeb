using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>
/// The farm's defence against cross-site request forgery: every state-changing request (any method but GET, HEAD,
/// OPTIONS and TRACE) must come from one of the farm's own pages. A browser says where a form comes from in
/// <c>Origin</c> (or, failing that, <c>Sec-Fetch-Site</c>, then <c>Referer</c>); a request whose origin is another site, or
/// <c>null</c>, is answered 403 before anyone is signed in — whether it carries the development login's cookie or comes
/// through the trusted proxy with the victim's <c>X-Forwarded-User</c>. Behind a proxy, the farm's own origin is the one
/// the proxy names in <c>X-Forwarded-Host</c>/<c>X-Forwarded-Proto</c> (believed only from a trusted proxy), else the
/// request's <c>Host</c>. A request that carries none of the three headers is not a browser's and is let through.
/// </summary>
public static class CrossSiteWrites
{
    /// <summary>Adds the check; call it first, before authentication.</summary>
    public static IApplicationBuilder UseSameOriginWrites(this IApplicationBuilder app, FarmSettings settings)
    {
        var trust = settings.AddTrustedProxies(new TenantResolutionOptions());
        return app.Use(async (http, next) =>
        {
            var method = http.Request.Method;
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method) ||
                IsFromOwnPage(http, trust))
            {
                await next(http);
                return;
            }

            await Html.Page(http, "WikiFarm", "Forbidden",
                "<p>This form was sent from another site. WikiFarm accepts changes only from its own pages: go back to the farm and send it from there.</p>",
                StatusCodes.Status403Forbidden).ExecuteAsync(http);
        });
    }

    private static bool IsFromOwnPage(HttpContext http, TenantResolutionOptions trust)
    {
        var request = http.Request;
        var fromProxy = trust.IsTrustedProxy(http.Connection.RemoteIpAddress);
        var host = fromProxy && request.Headers["X-Forwarded-Host"] is { Count: 1 } forwardedHost && forwardedHost[0] is { Length: > 0 } h ? h : request.Host.Value;
        var scheme = fromProxy && request.Headers["X-Forwarded-Proto"] is { Count: 1 } forwardedProto && forwardedProto[0] is "http" or "https"
            ? forwardedProto[0]!
            : request.Scheme;
        if (!Uri.TryCreate($"{scheme}://{host}/", UriKind.Absolute, out var own))
        {
            return false;
        }

        var origin = request.Headers.Origin;
        if (origin.Count > 0)
        {
            return origin.Count == 1 && IsSameOrigin(origin[0], own);
        }

        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0)
        {
            return site.Count == 1 && site[0] is "same-origin" or "none";
        }

        var referer = request.Headers.Referer;
        return referer.Count == 0 || (referer.Count == 1 && IsSameOrigin(referer[0], own));
    }

    private static bool IsSameOrigin(string? value, Uri own) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        string.Equals(uri.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(uri.Host, own.Host, StringComparison.OrdinalIgnoreCase) &&
        uri.Port == own.Port;
}
