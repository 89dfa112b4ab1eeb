using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>
/// Who is asking: the user named by a trusted proxy (<c>X-Forwarded-User</c>, <c>X-Forwarded-Email</c> — believed only
/// from <see cref="FarmSettings.TrustedProxies"/>, as in the original farm), else the development login's cookie.
/// </summary>
public static class SignIn
{
    private static readonly object Key = new();

    public static FarmUser? CurrentUser(this HttpContext http) => http.Items[Key] as FarmUser;

    /// <summary>The middleware that sets <see cref="CurrentUser"/>; runs after <c>UseAuthentication</c>.</summary>
    public static IApplicationBuilder UseFarmUsers(this IApplicationBuilder app, FarmSettings settings)
    {
        var trust = settings.AddTrustedProxies(new TenantResolutionOptions());
        return app.Use(async (http, next) =>
        {
            var platform = http.RequestServices.GetRequiredService<Platform>();
            var proxied = http.Request.Headers["X-Forwarded-User"].ToString();
            if (proxied.Length > 0 && trust.IsTrustedProxy(http.Connection.RemoteIpAddress))
            {
                http.Items[Key] = platform.EnsureUser(proxied, http.Request.Headers["X-Forwarded-Email"].ToString());
            }
            else if (settings.DevelopmentLogin && http.User.Identity is { IsAuthenticated: true, Name: { } name })
            {
                http.Items[Key] = platform.FindUser(name);
            }

            await next(http);
        });
    }

    /// <summary>The development login: sign in as any user name (created on first sign-in). No password: for local use only.</summary>
    public static void MapDevelopmentLogin(this WebApplication app)
    {
        app.MapGet("/login", (HttpContext http, string? returnUrl) => Html.Page(http, "WikiFarm", "Sign in", $"""
            <form method="post" action="{Html.Link(http, "/login")}">
              <input type="hidden" name="returnUrl" value="{Html.E(returnUrl ?? "")}">
              <label>User <input name="user" value="alice" autofocus></label>
              <label>Email <input name="email" value="alice@example.com"></label>
              <button type="submit">Sign in</button>
            </form>
            <p class="hint">Development login: no password. Demo users: <b>alice</b> (farm admin), <b>bob</b> (writes the handbook, reads recipes).</p>
            """)).AllowWithoutTenant();

        app.MapPost("/login", async (HttpContext http, Platform platform) =>
        {
            var form = await http.Request.ReadFormAsync();
            var name = form["user"].ToString().Trim();
            if (name.Length is 0 or > 64)
            {
                return Html.Page(http, "WikiFarm", "Sign in", "<p>Type a user name.</p>", StatusCodes.Status400BadRequest);
            }

            var user = platform.FindUser(name) ?? platform.EnsureUser(name, form["email"].ToString());
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name)], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            var returnUrl = form["returnUrl"].ToString();
            return Results.LocalRedirect(returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : Html.Link(http, "/"));
        }).AllowWithoutTenant();

        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(Html.Link(http, "/"));
        }).AllowWithoutTenant();
    }
}
