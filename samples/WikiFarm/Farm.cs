using Tenancy;
using Tenancy.AspNetCore;
using Tenancy.Sqlite;

namespace WikiFarm;

/// <summary>The farm itself (no wiki scope): the index of wikis, their creation from a template, archiving, and the demo seed.</summary>
public static class Farm
{
    public static async Task<IResult> Index(HttpContext http, Platform platform, FarmSettings settings)
    {
        if (TenantContext.IsActive)
        {
            return Results.Redirect(Html.Link(http, "/pages/Home")); // a wiki's root is its Home page
        }

        var user = http.CurrentUser();
        var wikis = await platform.ListWikisAsync(http.RequestAborted);
        var rows = string.Concat(wikis.Select(w => $"""
            <tr><td><a href="/w/{w.Slug}/pages/Home">{Html.E(w.Title)}</a></td><td>{w.Slug}</td><td>{w.State}</td>
            <td>{(user?.IsFarmAdmin == true && w.State == TenantState.Active ? $"""<form method="post" action="/admin/wikis/{w.Slug}/archive" class="inline"><button>Archive</button></form>""" : "")}</td></tr>
            """));
        var admin = user?.IsFarmAdmin != true ? "" : $"""
            <h2>Create a wiki</h2>
            <form method="post" action="/admin/wikis">
              <label>Slug <input name="slug" pattern="[a-z0-9][a-z0-9_-]*" required></label>
              <label>Title <input name="title" required></label>
              <label>Template <select name="template"><option value="">(empty)</option>{string.Concat(wikis.Where(w => w.State == TenantState.Active).Select(w => $"<option>{w.Slug}</option>"))}</select></label>
              <button type="submit">Create</button>
            </form>
            """;
        return Html.Page(http, "WikiFarm", "Wikis", $"""
            <p class="hint">Each wiki has its own database, git repository and renderer. Open one at <code>/w/&lt;wiki&gt;/</code> or <code>http://&lt;wiki&gt;.{Html.E(settings.ParentDomain)}:port/</code>.</p>
            <table><tr><th>Wiki</th><th>Slug</th><th>State</th><th></th></tr>{rows}</table>{admin}
            """);
    }

    public static async Task<IResult> Create(HttpContext http, Platform platform)
    {
        if (http.CurrentUser() is not { IsFarmAdmin: true } user)
        {
            return Html.Page(http, "WikiFarm", "Forbidden", "<p>Only farm admins create wikis.</p>", StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var slug = form["slug"].ToString().Trim();
        var template = form["template"].ToString() is { Length: > 0 } t ? t : null;
        if (!TenantSlug.IsValid(slug))
        {
            return Html.Page(http, "WikiFarm", "Create a wiki", $"<p>{Html.E(new InvalidTenantSlugException(slug, TenantSlug.Check(slug)).Message)}</p>", StatusCodes.Status400BadRequest);
        }

        try
        {
            await CreateWikiAsync(platform, slug, form["title"].ToString().Trim() is { Length: > 0 } title ? title : slug, template, user, http.RequestAborted);
        }
        catch (TenantAlreadyExistsException ex)
        {
            return Html.Page(http, "WikiFarm", "Create a wiki", $"<p>{Html.E(ex.Message)}</p>", StatusCodes.Status409Conflict);
        }

        return Results.Redirect($"/w/{slug}/pages/Home");
    }

    public static async Task<IResult> Archive(HttpContext http, Platform platform, string slug)
    {
        if (http.CurrentUser() is not { IsFarmAdmin: true })
        {
            return Html.Page(http, "WikiFarm", "Forbidden", "<p>Only farm admins archive wikis.</p>", StatusCodes.Status403Forbidden);
        }

        await platform.ArchiveWikiAsync(slug, http.RequestAborted); // the catalog makes the configuration forget it
        return Results.Redirect("/");
    }

    /// <summary>
    /// Creates a wiki: its catalog entry and database (a copy of the template's, so its preferences too), its pages
    /// (the template's current pages as the first commit), and its site name.
    /// </summary>
    public static async Task CreateWikiAsync(Platform platform, string slug, string title, string? template, FarmUser owner, CancellationToken cancellationToken)
    {
        var pages = template is null
            ? []
            : TenantContext.Run(template, () => Wiki.Storage.List().Select(p => Wiki.Storage.Read(p)!).ToList());
        await platform.CreateWikiAsync(slug, title, template, owner.Name, cancellationToken);
        TenantContext.Run(slug, () =>
        {
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

    /// <summary>Creates the farm's tables and, on an empty farm, two demo wikis and two users.</summary>
    public static async Task InitializeAsync(WebApplication app, FarmSettings settings)
    {
        var platform = app.Services.GetRequiredService<Platform>();
        using var configuration = app.Services.GetRequiredService<TenantContextHost>().Activate(); // no request: activate the host's configuration
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
}
