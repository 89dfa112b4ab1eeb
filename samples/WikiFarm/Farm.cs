using Tenancy;
using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>
/// The farm itself (no wiki scope): the index of wikis, their creation from a template, archiving and deletion, and the
/// demo seed. Wikis are created, archived and deleted through the configuration's <see cref="ITenantCatalog"/>.
/// </summary>
public static class Farm
{
    /// <summary>
    /// The index: a signed-in user sees the active wikis they may read; a farm admin sees every wiki, archived ones
    /// included, and the admin forms. An anonymous visitor sees no wiki names.
    /// </summary>
    public static async Task<IResult> Index(HttpContext http, Platform platform, FarmSettings settings)
    {
        if (TenantContext.IsActive)
        {
            return Results.Redirect(Html.Link(http, "/pages/Home")); // a wiki's root is its Home page
        }

        var user = http.CurrentUser();
        var hint = $"""<p class="hint">Each wiki has its own database, git repository and renderer. Open one at <code>/w/&lt;wiki&gt;/</code> or <code>http://&lt;wiki&gt;.{Html.E(settings.ParentDomain)}:port/</code>.</p>""";
        if (user is null)
        {
            return Html.Page(http, "WikiFarm", "Wikis", $"""{hint}<p><a href="{Html.Link(http, "/login")}">Sign in</a> to see your wikis.</p>""");
        }

        var admin = user.IsFarmAdmin;
        var wikis = (await platform.ListWikisAsync(http.RequestAborted))
            .Where(w => admin || (w.State == TenantState.Active && platform.GetAccess(user, w.Slug) >= Access.Read))
            .ToList();
        var rows = string.Concat(wikis.Select(w => $"""
            <tr><td><a href="/w/{w.Slug}/pages/Home">{Html.E(w.Title)}</a></td><td>{w.Slug}</td><td>{w.State}</td>
            <td>{(!admin ? "" : (w.State == TenantState.Active ? $"""<form method="post" action="/admin/wikis/{w.Slug}/archive" class="inline"><button>Archive</button></form> """ : "") +
                $"""<form method="post" action="/admin/wikis/{w.Slug}/delete" class="inline"><button>Delete</button></form>""")}</td></tr>
            """));
        var forms = !admin ? "" : $"""
            <h2>Create a wiki</h2>
            <form method="post" action="/admin/wikis">
              <label>Slug <input name="slug" pattern="[a-z0-9][a-z0-9_-]*" required></label>
              <label>Title <input name="title" required></label>
              <label>Template <select name="template"><option value="">(empty)</option>{string.Concat(wikis.Where(w => w.State == TenantState.Active).Select(w => $"<option>{w.Slug}</option>"))}</select></label>
              <button type="submit">Create</button>
            </form>
            """;
        return Html.Page(http, "WikiFarm", "Wikis", $"""
            {hint}
            <table><tr><th>Wiki</th><th>Slug</th><th>State</th><th></th></tr>{rows}</table>{forms}
            """);
    }

    public static async Task<IResult> Create(HttpContext http, Platform platform)
    {
        if (http.CurrentUser() is not { IsFarmAdmin: true } user)
        {
            return Forbidden(http, "create");
        }

        if (await Forms.ReadAsync(http) is not { } form)
        {
            return Forms.Refused(http);
        }

        var slug = form["slug"].ToString().Trim();
        var template = form["template"].ToString().Trim() is { Length: > 0 } t ? t : null;
        var title = form["title"].ToString().Trim() is { Length: > 0 } given ? given : slug;
        if (!TenantSlug.IsValid(slug))
        {
            return Problem(http, new InvalidTenantSlugException(slug, TenantSlug.Check(slug)).Message, StatusCodes.Status400BadRequest);
        }

        if (title.Length > 200)
        {
            return Problem(http, "A title has at most 200 characters.", StatusCodes.Status400BadRequest);
        }

        if (template is not null && (!TenantSlug.IsValid(template) || await platform.FindWikiAsync(template, http.RequestAborted) is not { State: TenantState.Active }))
        {
            return Problem(http, $"There is no active wiki \"{template}\" to copy. Pick a template from the list, or none.", StatusCodes.Status400BadRequest);
        }

        try
        {
            await CreateWikiAsync(platform, slug, title, template, user, http.RequestAborted);
        }
        catch (TenantAlreadyExistsException ex)
        {
            return Problem(http, ex.Message, StatusCodes.Status409Conflict);
        }
        catch (TenantUnavailableException)
        {
            return Problem(http, $"The template \"{template}\" was archived or deleted meanwhile. Pick another.", StatusCodes.Status400BadRequest);
        }

        return Results.Redirect($"/w/{slug}/pages/Home");
    }

    public static async Task<IResult> Archive(HttpContext http, Platform platform, string slug)
    {
        if (http.CurrentUser() is not { IsFarmAdmin: true })
        {
            return Forbidden(http, "archive");
        }

        try
        {
            if (TenantSlug.IsValid(slug))
            {
                await platform.ArchiveWikiAsync(slug, http.RequestAborted); // the catalog makes the configuration forget it
                return Results.Redirect("/");
            }
        }
        catch (TenantUnavailableException)
        {
        }

        return Problem(http, $"There is no wiki \"{slug}\".", StatusCodes.Status404NotFound);
    }

    public static async Task<IResult> Delete(HttpContext http, Platform platform, string slug)
    {
        if (http.CurrentUser() is not { IsFarmAdmin: true })
        {
            return Forbidden(http, "delete");
        }

        return TenantSlug.IsValid(slug) && await platform.DeleteWikiAsync(slug, http.RequestAborted)
            ? Results.Redirect("/")
            : Problem(http, $"There is no wiki \"{slug}\".", StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// Creates a wiki: its catalog entry and database (a copy of the template's: its preferences, but none of its drafts,
    /// contributors or cached HTML), its pages (the template's current pages as the first commits), its site name and
    /// its owner's grant. All or nothing: when a step fails, what was made is deleted again, so a retry starts afresh.
    /// </summary>
    public static async Task CreateWikiAsync(Platform platform, string slug, string title, string? template, FarmUser owner, CancellationToken cancellationToken)
    {
        var pages = template is null
            ? []
            : TenantContext.Run(template, () => Wiki.Storage.List().Select(p => Wiki.Storage.Read(p)!).Where(p => !p.IsTooLarge).ToList());
        await platform.CreateWikiAsync(slug, title, template, owner.Name, cancellationToken);
        try
        {
            TenantContext.Run(slug, () =>
            {
                if (template is not null)
                {
                    Wiki.Db.ForgetTemplatesPeople();
                }

                var preferences = Wiki.Db.GetPreferences();
                Wiki.Db.SavePreferences(preferences with { SiteName = title });
                foreach (var page in pages)
                {
                    Wiki.Storage.Save(page.Page, page.Text, owner.Name, owner.Email, $"From template {template}");
                }

                if (pages.Count == 0)
                {
                    Wiki.Storage.Save("Home", $"# {title}\n\nWelcome! Edit this page to get started.\n", owner.Name, owner.Email, "Create the wiki");
                }
            });
        }
        catch
        {
            await platform.DeleteWikiAsync(slug, CancellationToken.None); // nothing half-made stays: a retry can create it
            throw;
        }
    }

    /// <summary>Creates the farm's tables and, when <see cref="FarmSettings.SeedDemoWikis"/> is on and the farm is empty, two demo wikis and two users.</summary>
    public static async Task InitializeAsync(WebApplication app, FarmSettings settings)
    {
        var platform = app.Services.GetRequiredService<Platform>();
        // This farm's own configuration: before the host starts, and in a test process of several farms (where only the first
        // one's is process-wide), the process-wide one is not it.
        using var configuration = app.Services.GetRequiredService<TenantContextHost>().Activate();
        await platform.InitializeAsync(CancellationToken.None);
        if (!settings.SeedDemoWikis || (await platform.ListWikisAsync(CancellationToken.None)).Count > 0)
        {
            return;
        }

        var alice = platform.EnsureUser("alice", "alice@example.com", isFarmAdmin: true);
        platform.EnsureUser("bob", "bob@example.com");
        await CreateWikiAsync(platform, "handbook", "Team Handbook", null, alice, CancellationToken.None);
        await CreateWikiAsync(platform, "recipes", "Recipes", null, alice, CancellationToken.None);
        platform.Grant("bob", "handbook", Access.Write);
        platform.Grant("bob", "recipes", Access.Read);
        TenantContext.Run("handbook", () =>
        {
            Wiki.Db.SavePreferences(Wiki.Db.GetPreferences() with { AllowedTags = WikiPreferences.DefaultTags.Split(' ').Append("mark").ToHashSet() });
            Wiki.Storage.Save("Home", """
                # Team Handbook

                Welcome to the handbook. This wiki allows <mark>highlighted text</mark>; the *Recipes* wiki does not.

                - [Onboarding](Onboarding)
                - Every save is a git commit: see the page's **History**.
                """, "alice", "alice@example.com", "Welcome page");
            Wiki.Storage.Save("Onboarding", "# Onboarding\n\n1. Get a laptop.\n2. Read this handbook.\n", "alice", "alice@example.com", "Onboarding");
        });
        TenantContext.Run("recipes", () => Wiki.Storage.Save("Home", """
            # Recipes

            Our favourite dishes. <mark>This wiki does not allow mark</mark>, so the text stays and the highlight goes.

            | Dish | Time |
            |------|------|
            | Pancakes | 20 min |
            """, "alice", "alice@example.com", "Welcome page"));
    }

    private static IResult Forbidden(HttpContext http, string verb) =>
        Html.Page(http, "WikiFarm", "Forbidden", $"<p>Only farm admins {verb} wikis.</p>", StatusCodes.Status403Forbidden);

    private static IResult Problem(HttpContext http, string message, int status) =>
        Html.Page(http, "WikiFarm", "Wikis", $"<p>{Html.E(message)}</p>", status);
}
