using System.Text.Encodings.Web;

namespace WikiFarm;

/// <summary>Server-rendered HTML: one layout, encoding everywhere a value is written.</summary>
public static class Html
{
    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    /// <summary>A link inside the current site: under <c>/w/{wiki}</c> when the wiki came from the path, else from the root.</summary>
    public static string Link(HttpContext http, string path) => E(http.Request.PathBase.Add(path).Value);

    public static IResult Page(HttpContext http, string site, string title, string body, int status = StatusCodes.Status200OK)
    {
        var user = http.CurrentUser();
        var account = user is null
            ? $"""<a href="{Link(http, "/login")}">Sign in</a>"""
            : http.RequestServices.GetRequiredService<FarmSettings>().DevelopmentLogin
                ? $"""{E(user.Name)} <form method="post" action="{Link(http, "/logout")}" class="inline"><button>Sign out</button></form>"""
                : E(user.Name); // signed in by the proxy: signing out is the proxy's business
        return Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · {{E(site)}}</title>
            <style>
              body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #222; }
              header { display: flex; justify-content: space-between; align-items: center; padding: .6rem 1.5rem; background: #24436b; color: #fff; }
              header a { color: #fff; } header .site { font-weight: 600; font-size: 1.2rem; text-decoration: none; }
              main { max-width: 52rem; margin: 1.5rem auto; padding: 0 1.5rem; }
              nav a { margin-right: 1rem; } textarea { width: 100%; min-height: 18rem; font: 14px monospace; }
              .inline { display: inline; } .hint { color: #666; font-size: .9rem; } table { border-collapse: collapse; }
              td, th { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; } label { display: block; margin: .4rem 0; }
              article { border-top: 1px solid #ddd; padding-top: .5rem; } mark { background: #ffe58a; }
            </style></head>
            <body><header><a class="site" href="{{Link(http, "/")}}">{{E(site)}}</a><span>{{account}}</span></header>
            <main><h1>{{E(title)}}</h1>
            {{body}}
            </main></body></html>
            """, "text/html; charset=utf-8", statusCode: status);
    }
}
