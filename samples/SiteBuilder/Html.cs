using System.Net;
using System.Text.Encodings.Web;

namespace SiteBuilder;

/// <summary>Server-rendered HTML: one layout, every value encoded where it is written.</summary>
public static class Html
{
    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    /// <summary>A link inside the current website: under <c>/s/{site}</c> when the site came from the path.</summary>
    public static string Link(HttpContext http, string path) => E(http.Request.PathBase.Add(path).Value);

    /// <summary>Plain text as paragraphs (no markup from users is ever rendered).</summary>
    public static string Paragraphs(string text)
        => string.Concat(text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => $"<p>{E(p).Replace("&#xA;", "<br>", StringComparison.Ordinal)}</p>"));

    public static IResult Page(string site, string title, string body, string home = "/", int status = StatusCodes.Status200OK)
        => Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · {{E(site)}}</title>
            <style>
              body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #222; }
              header { padding: .6rem 1.5rem; background: #1f5c4a; color: #fff; } header a { color: #fff; font-weight: 600; font-size: 1.2rem; text-decoration: none; }
              main { max-width: 52rem; margin: 1.5rem auto; padding: 0 1.5rem; } nav a { margin-right: 1rem; }
              textarea { width: 100%; min-height: 12rem; } input[type=text], input[type=email] { width: 24rem; }
              table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; }
              label { display: block; margin: .4rem 0; } .hint { color: #666; font-size: .9rem; } .error { color: #a00; } .inline { display: inline; }
            </style></head>
            <body><header><a href="{{E(home)}}">{{E(site)}}</a></header>
            <main><h1>{{E(title)}}</h1>
            {{body}}
            </main></body></html>
            """, "text/html; charset=utf-8", statusCode: status);

    public static IResult NotFound(string site, string what, string home = "/")
        => Page(site, "Not found", $"<p>{E(what)}</p>", home, StatusCodes.Status404NotFound);

    /// <summary>Whether the request comes from this machine (the operator's pages: admin and editing).</summary>
    public static bool FromOperator(HttpContext http) => http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);

    public static IResult NotOperator()
        => Page("SiteBuilder", "Forbidden",
            "<p>Administration and editing answer requests from this machine only. A real deployment puts its sign-in here.</p>",
            status: StatusCodes.Status403Forbidden);
}
