using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>
/// Who is asking: the user named by a trusted proxy (<c>X-Forwarded-User</c>, <c>X-Forwarded-Email</c> — believed only
/// from <see cref="FarmSettings.TrustedProxies"/>, as in the original farm), else, in Development only, the development
/// login's cookie.
/// </summary>
public static class SignIn
{
    private static readonly object Key = new();

    public static FarmUser? CurrentUser(this HttpContext http) => http.Items[Key] as FarmUser;

    /// <summary>
    /// The middleware that sets <see cref="CurrentUser"/>; runs after <c>UseAuthentication</c>. A trusted proxy's headers
    /// must name one user with a valid name (<see cref="FarmUser.Normalize"/>): several <c>X-Forwarded-User</c> values,
    /// or a name with invisible or non-ASCII characters, are answered 400. A missing <c>X-Forwarded-Email</c> keeps the
    /// e-mail the farm knows.
    /// </summary>
    public static IApplicationBuilder UseFarmUsers(this IApplicationBuilder app, FarmSettings settings)
    {
        var trust = settings.AddTrustedProxies(new TenantResolutionOptions());
        return app.Use(async (http, next) =>
        {
            var platform = http.RequestServices.GetRequiredService<Platform>();
            var proxied = http.Request.Headers["X-Forwarded-User"];
            if (proxied.Count > 0 && trust.IsTrustedProxy(http.Connection.RemoteIpAddress))
            {
                var emails = http.Request.Headers["X-Forwarded-Email"];
                if (proxied.Count != 1 || FarmUser.Normalize(proxied[0]) is not { } name || emails.Count > 1 ||
                    (emails.Count == 1 && !FarmUser.IsValidEmail(emails[0])))
                {
                    await Html.Page(http, "WikiFarm", "Bad request",
                        "<p>The proxy must name one user (letters, digits, <code>. _ @ + -</code>) and at most one valid e-mail address.</p>",
                        StatusCodes.Status400BadRequest).ExecuteAsync(http);
                    return;
                }

                http.Items[Key] = RequestTimings.Of(http).Time(RequestTimings.Stage.Farm,
                    () => platform.EnsureUser(name, emails.Count == 1 ? emails[0] : null, settings.IsFarmAdmin(name)));
            }
            else if (settings.DevelopmentLogin && http.User.Identity is { IsAuthenticated: true, Name: { } cookieName })
            {
                http.Items[Key] = RequestTimings.Of(http).Time(RequestTimings.Stage.Farm, () => platform.FindUser(cookieName));
            }

            await next(http);
        });
    }

    /// <summary>
    /// The sign-in page. In Development (with <see cref="FarmSettings.DevelopmentLogin"/>) it is the development login: sign
    /// in as any user name, created on first sign-in, no password. Anywhere else it only says that users are signed in by
    /// the proxy in front of the farm; no form, and no <c>POST /login</c>.
    /// </summary>
    public static void MapSignIn(this WebApplication app, FarmSettings settings)
    {
        if (!settings.DevelopmentLogin)
        {
            app.MapGet("/login", (HttpContext http) => Html.Page(http, "WikiFarm", "Sign in", """
                <p>WikiFarm signs you in through the proxy in front of it (your organisation's single sign-on), which names you with
                <code>X-Forwarded-User</code>. There is no password-less development login here: it exists only when the app runs in
                the Development environment.</p>
                """)).AllowWithoutTenant();
            return;
        }

        app.MapGet("/login", (HttpContext http, string? returnUrl) => Html.Page(http, "WikiFarm", "Sign in", $"""
            <form method="post" action="{Html.Link(http, "/login")}">
              <input type="hidden" name="returnUrl" value="{Html.E(returnUrl ?? "")}">
              <label>User <input name="user" value="alice" autofocus></label>
              <label>Email <input name="email" value="alice@example.com"></label>
              <button type="submit">Sign in</button>
            </form>
            <p class="hint">Development login: no password, because the app runs in the Development environment (it is off in any
            other, where users come from a trusted proxy). Demo users: <b>alice</b> (farm admin), <b>bob</b> (writes the handbook,
            reads recipes).</p>
            """)).AllowWithoutTenant();

        app.MapPost("/login", async (HttpContext http, Platform platform) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return Forms.Refused(http);
            }

            var email = form["email"].ToString().Trim();
            if (FarmUser.Normalize(form["user"].ToString().Trim()) is not { } name || !FarmUser.IsValidEmail(email))
            {
                return Html.Page(http, "WikiFarm", "Sign in",
                    "<p>Type a user name (letters, digits, <code>. _ @ + -</code>, at most 64) and a valid e-mail address or none.</p>",
                    StatusCodes.Status400BadRequest);
            }

            var user = platform.FindUser(name) ?? platform.EnsureUser(name, email);
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name)], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            var returnUrl = form["returnUrl"].ToString();
            return Results.LocalRedirect(IsLocalUrl(returnUrl) ? returnUrl : Html.Link(http, "/"));
        }).AllowWithoutTenant();

        app.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(Html.Link(http, "/"));
        }).AllowWithoutTenant();
    }

    /// <summary>
    /// A path on this site: starts with one <c>/</c>, and no <c>//</c> or <c>/\</c> (which browsers read as another host),
    /// and no control characters.
    /// </summary>
    public static bool IsLocalUrl(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);
}
