namespace SiteBuilder;

/// <summary>
/// Forms are accepted only from the page's own origin: a POST whose <c>Origin</c> is another site (or, without one,
/// whose <c>Sec-Fetch-Site</c> says cross-site) is refused with 403 before it reaches a handler. A website's forms
/// therefore cannot be posted from another website of the same farm either (<c>globex.localhost</c> ≠ <c>acme.localhost</c>).
/// </summary>
public static class SameOriginWrites
{
    public static IApplicationBuilder UseSameOriginWrites(this IApplicationBuilder app)
        => app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || IsSameOrigin(request))
            {
                await next(http);
                return;
            }

            await Html.Page("SiteBuilder", "Forbidden",
                "<p>This form was sent from another site. Changes are accepted only from the website's own pages.</p>",
                status: StatusCodes.Status403Forbidden).ExecuteAsync(http);
        });

    private static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count > 0)
        {
            return origin.Count == 1 && Uri.TryCreate(origin[0], UriKind.Absolute, out var from)
                && string.Equals(from.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
        }

        var site = request.Headers["Sec-Fetch-Site"];
        return site.Count == 0 || site[0] is "same-origin" or "none";
    }
}
