using System.Text;
using Tenancy;

namespace WikiFarm;

/// <summary>
/// The pages of one wiki. The whole class is <c>[RequiresTenant]</c>: it runs only inside the request's wiki scope
/// (the endpoints that call it are marked too), so it reaches the wiki through <c>Wiki.Db</c>, <c>Wiki.Storage</c> and
/// <c>Wiki.Renderer</c> and never names a wiki itself. Every read and write checks the caller's access first.
/// </summary>
[RequiresTenant]
public static class WikiPages
{
    public static IResult Show(HttpContext http, Platform platform, string name, string? revision = null)
    {
        if (Check(http, platform, Access.Read) is { } denied)
        {
            return denied;
        }

        if (!PageStore.IsValidName(name))
        {
            return Layout(http, "Not a page name", "<p>Page names use letters, digits, - and _.</p>", StatusCodes.Status400BadRequest);
        }

        if (revision is not null && !PageStore.IsCommitId(revision))
        {
            return Layout(http, "Not a revision", "<p>A revision is a commit id: 40 hex digits, as the page's history links them.</p>", StatusCodes.Status400BadRequest);
        }

        var timings = RequestTimings.Of(http);
        var page = timings.Time(RequestTimings.Stage.Git, () => Wiki.Storage.Read(name, revision));
        if (page is null)
        {
            return Layout(http, name, $"""<p>This page does not exist yet. <a href="{Html.Link(http, $"/pages/{name}/edit")}">Create it</a>.</p>""",
                StatusCodes.Status404NotFound);
        }

        string html;
        if (page.IsTooLarge)
        {
            html = $"""<p class="hint">This revision is {page.Size / 1024:N0} KiB, over the {PageStore.MaxPageBytes / 1024} KiB a page may hold, so it is not shown.</p>""";
        }
        else
        {
            var renderer = timings.Time(RequestTimings.Stage.Ef, () => Wiki.Renderer); // reads the wiki's preferences
            var cached = timings.Time(RequestTimings.Stage.Ef, () => Wiki.Db.GetCachedHtml(name, page.Revision, renderer.Fingerprint));
            if (cached is null)
            {
                cached = timings.Time(RequestTimings.Stage.Render, () => renderer.Render(page.Text));
                var rendered = cached;
                timings.Time(RequestTimings.Stage.Ef, () => { Wiki.Db.CacheHtml(name, page.Revision, renderer.Fingerprint, rendered); return 0; });
            }

            html = cached;
        }

        var old = revision is null ? "" : $"""<p class="hint">An old revision ({Html.E(page.Revision[..10])}, {page.When:u} by {Html.E(page.Author)}). <a href="{Html.Link(http, $"/pages/{name}")}">Current version</a>.</p>""";
        return Layout(http, name, $"""
            {old}<nav><a href="{Html.Link(http, $"/pages/{name}/edit")}">Edit</a><a href="{Html.Link(http, $"/pages/{name}/history")}">History</a><a href="{Html.Link(http, "/pages")}">All pages</a><a href="{Html.Link(http, "/settings")}">Settings</a></nav>
            <article data-revision="{page.Revision}">{html}</article>
            <p class="hint">Last edited by {Html.E(page.Author)} on {page.When:u}.</p>
            """);
    }

    public static IResult List(HttpContext http, Platform platform)
    {
        if (Check(http, platform, Access.Read) is { } denied)
        {
            return denied;
        }

        var items = Wiki.Storage.List().Select(p => $"""<li><a href="{Html.Link(http, $"/pages/{p}")}">{Html.E(p)}</a></li>""");
        return Layout(http, "All pages", $"<ul>{string.Concat(items)}</ul>");
    }

    public static IResult Edit(HttpContext http, Platform platform, string name)
    {
        if (Check(http, platform, Access.Write) is { } denied)
        {
            return denied;
        }

        if (!PageStore.IsValidName(name))
        {
            return Layout(http, "Not a page name", "<p>Page names use letters, digits, - and _.</p>", StatusCodes.Status400BadRequest);
        }

        var user = http.CurrentUser()!;
        var draft = Wiki.Db.GetDraft(name, user.Name);
        var text = draft?.Text ?? Wiki.Storage.Read(name)?.Text ?? $"# {name}\n";
        var note = draft is null ? "" : $"""<p class="hint">Your draft from {draft.SavedAt:u} is restored.</p>""";
        return Layout(http, $"Edit {name}", $"""
            {note}<form method="post" action="{Html.Link(http, $"/pages/{name}")}">
              <textarea name="text">{Html.E(text)}</textarea>
              <label>Summary <input name="message" size="60"></label>
              <button type="submit" id="save">Save</button>
              <button type="submit" formaction="{Html.Link(http, $"/pages/{name}/draft")}">Save draft</button>
            </form>
            """);
    }

    public static async Task<IResult> Save(HttpContext http, Platform platform, string name)
    {
        if (Check(http, platform, Access.Write) is { } denied)
        {
            return denied;
        }

        if (!PageStore.IsValidName(name))
        {
            return Layout(http, "Not a page name", "<p>Page names use letters, digits, - and _.</p>", StatusCodes.Status400BadRequest);
        }

        if (await Forms.ReadAsync(http) is not { } form)
        {
            return Forms.Refused(http);
        }

        var text = form["text"].ToString().ReplaceLineEndings("\n");
        if (Encoding.UTF8.GetByteCount(text) > PageStore.MaxPageBytes)
        {
            return Layout(http, "Too large", $"<p>A page holds at most {PageStore.MaxPageBytes / 1024} KiB. Split it into several pages.</p>", StatusCodes.Status413PayloadTooLarge);
        }

        var user = http.CurrentUser()!;
        var message = form["message"].ToString().ReplaceLineEndings(" ");
        Wiki.Storage.Save(name, text, user.Name, user.Email, message.Length is > 0 and <= 500 ? message : $"Edit {name}");
        Wiki.Db.DeleteDraft(name, user.Name);
        Wiki.Db.TouchUser(user.Name, user.Email);
        return Results.Redirect(Html.Link(http, $"/pages/{name}"));
    }

    public static async Task<IResult> SaveDraft(HttpContext http, Platform platform, string name)
    {
        if (Check(http, platform, Access.Write) is { } denied)
        {
            return denied;
        }

        if (!PageStore.IsValidName(name))
        {
            return Layout(http, "Not a page name", "<p>Page names use letters, digits, - and _.</p>", StatusCodes.Status400BadRequest);
        }

        if (await Forms.ReadAsync(http) is not { } form)
        {
            return Forms.Refused(http);
        }

        var text = form["text"].ToString().ReplaceLineEndings("\n");
        if (Encoding.UTF8.GetByteCount(text) > PageStore.MaxPageBytes)
        {
            return Layout(http, "Too large", $"<p>A draft holds at most {PageStore.MaxPageBytes / 1024} KiB.</p>", StatusCodes.Status413PayloadTooLarge);
        }

        Wiki.Db.SaveDraft(name, http.CurrentUser()!.Name, text);
        return Results.Redirect(Html.Link(http, $"/pages/{name}/edit"));
    }

    public static IResult History(HttpContext http, Platform platform, string name)
    {
        if (Check(http, platform, Access.Read) is { } denied)
        {
            return denied;
        }

        if (!PageStore.IsValidName(name))
        {
            return Layout(http, "Not a page name", "<p>Page names use letters, digits, - and _.</p>", StatusCodes.Status400BadRequest);
        }

        var rows = new StringBuilder();
        foreach (var r in Wiki.Storage.History(name))
        {
            rows.Append($"""<tr><td><a href="{Html.Link(http, $"/pages/{name}/revisions/{r.Revision}")}">{r.Revision[..10]}</a></td><td>{r.When:u}</td><td>{Html.E(r.Author)} &lt;{Html.E(r.Email)}&gt;</td><td>{Html.E(r.Message)}</td></tr>""");
        }

        return Layout(http, $"History of {name}", $"<table><tr><th>Revision</th><th>When</th><th>Author</th><th>Summary</th></tr>{rows}</table>");
    }

    public static IResult Settings(HttpContext http, Platform platform)
    {
        if (Check(http, platform, Access.Admin) is { } denied)
        {
            return denied;
        }

        var preferences = Wiki.Renderer.Preferences;
        var users = string.Concat(Wiki.Db.GetUsers().Select(u => $"<li>{Html.E(u.Name)} ({Html.E(u.Email)}), last edit {u.LastSeen:u}</li>"));
        var acl = string.Concat(platform.GetAcl(TenantContext.Current.Slug).Select(a => $"<li>{Html.E(a.User)}: {a.Access}</li>"));
        return Layout(http, "Settings", $"""
            <p class="hint">A page may use at most these tags, whatever the list below says: {Html.E(string.Join(' ', WikiRenderer.SafeTags.Order()))}.</p>
            <form method="post" action="{Html.Link(http, "/settings")}">
              <label>Site name <input name="siteName" value="{Html.E(preferences.SiteName)}"></label>
              <label>Allowed HTML tags <input name="allowedTags" size="80" value="{Html.E(string.Join(' ', preferences.AllowedTags.Order()))}"></label>
              <button type="submit">Save preferences</button>
            </form>
            <h2>Access</h2><ul>{acl}</ul>
            <form method="post" action="{Html.Link(http, "/settings/access")}">
              <label>User <input name="user"></label>
              <label>Access <select name="access"><option>None</option><option>Read</option><option>Write</option><option>Admin</option></select></label>
              <button type="submit">Grant</button>
            </form>
            <h2>Contributors</h2><ul>{users}</ul>
            """);
    }

    public static async Task<IResult> SaveSettings(HttpContext http, Platform platform)
    {
        if (Check(http, platform, Access.Admin) is { } denied)
        {
            return denied;
        }

        if (await Forms.ReadAsync(http) is not { } form)
        {
            return Forms.Refused(http);
        }

        var tags = form["allowedTags"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.ToLowerInvariant()).Where(WikiRenderer.SafeTags.Contains).ToHashSet();
        var siteName = form["siteName"].ToString().Trim();
        Wiki.Db.SavePreferences(new WikiPreferences(siteName.Length is > 0 and <= 100 ? siteName : "Wiki", tags));
        return Results.Redirect(Html.Link(http, "/settings"));
    }

    public static async Task<IResult> Grant(HttpContext http, Platform platform)
    {
        if (Check(http, platform, Access.Admin) is { } denied)
        {
            return denied;
        }

        if (await Forms.ReadAsync(http) is not { } form)
        {
            return Forms.Refused(http);
        }

        if (FarmUser.Normalize(form["user"].ToString().Trim()) is not { } user || !TryParseAccess(form["access"].ToString(), out var access))
        {
            return Layout(http, "Settings",
                "<p>Give a user name (letters, digits, <code>. _ @ + -</code>) and an access level: None, Read, Write or Admin.</p>", StatusCodes.Status400BadRequest);
        }

        platform.Grant(user, TenantContext.Current.Slug, access);
        return Results.Redirect(Html.Link(http, "/settings"));
    }

    /// <summary>An access level by name (<c>Read</c>, not <c>1</c> or <c>99</c>).</summary>
    private static bool TryParseAccess(string value, out Access access)
    {
        access = Access.None;
        return value.Length > 0 && value.All(char.IsAsciiLetter) && Enum.TryParse(value, ignoreCase: true, out access) && Enum.IsDefined(access);
    }

    /// <summary>Null when the caller may do <paramref name="needed"/> in the current wiki; else the answer to send (sign in, or 403).</summary>
    private static IResult? Check(HttpContext http, Platform platform, Access needed)
    {
        if (http.CurrentUser() is not { } user)
        {
            return Results.Redirect(Html.Link(http, "/login") + "?returnUrl=" + Uri.EscapeDataString(http.Request.PathBase.Add(http.Request.Path).Value ?? "/"));
        }

        return RequestTimings.Of(http).Time(RequestTimings.Stage.Farm, () => platform.GetAccess(user, TenantContext.Current.Slug)) >= needed
            ? null
            : Layout(http, "Forbidden", $"<p>{Html.E(user.Name)} may not {needed.ToString().ToLowerInvariant()} this wiki. Ask one of its admins for access.</p>",
                StatusCodes.Status403Forbidden);
    }

    private static IResult Layout(HttpContext http, string title, string body, int status = StatusCodes.Status200OK)
        => Html.Page(http, Wiki.Renderer.Preferences.SiteName, title, body, status);
}
