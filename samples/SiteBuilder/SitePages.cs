using Microsoft.EntityFrameworkCore;
using Npgsql;
using Tenancy;
using static SiteBuilder.Html;

namespace SiteBuilder;

/// <summary>
/// A website's pages: what visitors see (home, pages, contact form) and what its editors use (pages CRUD, messages).
/// Every handler runs inside the website's scope; the context it gets sees and writes that website's rows only (the
/// query filter and the write guard in EF, row-level security in the database).
/// </summary>
public static class SitePages
{
    private const int MaxTitle = 200;
    private const int MaxBody = 64 * 1024;

    /// <summary>
    /// A context of the current website, rented from the pool with its connection opened asynchronously (the request
    /// thread never blocks on I/O); the caller disposes it, which returns it to the pool.
    /// </summary>
    [RequiresTenant]
    private static ValueTask<SiteContext> OpenAsync(CancellationToken cancellationToken)
        => TenantContext.Configuration.GetDbContexts<SiteContext>().CreateAsync(cancellationToken);

    /// <summary>The website's own row (row-level security shows a website nothing else of <c>websites</c>).</summary>
    [RequiresTenant]
    private static async Task<Website> WebsiteAsync(SiteContext db, CancellationToken cancellationToken)
        => await db.Websites.AsNoTracking().SingleOrDefaultAsync(cancellationToken)
           ?? throw new InvalidOperationException($"Website '{TenantContext.Current.Slug}' is catalogued but has no row in websites on its shard. Re-create it from /admin.");

    [RequiresTenant]
    public static async Task<IResult> Home(HttpContext http, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var pages = await db.Pages.AsNoTracking().OrderBy(p => p.Slug).Select(p => new { p.Slug, p.Title }).ToListAsync(cancellationToken);
        var home = await db.Pages.AsNoTracking().SingleOrDefaultAsync(p => p.Slug == "home", cancellationToken);
        var links = string.Concat(pages.Where(p => p.Slug != "home").Select(p => $"""<a href="{Link(http, "/p/" + p.Slug)}">{E(p.Title)}</a>"""));
        return Page(site.Title, home?.Title ?? site.Title,
            $"""<nav>{links}<a href="{Link(http, "/contact")}">Contact</a></nav>{Paragraphs(home?.Body ?? "")}""",
            Link(http, "/"));
    }

    [RequiresTenant]
    public static async Task<IResult> Show(HttpContext http, string slug, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var page = await db.Pages.AsNoTracking().SingleOrDefaultAsync(p => p.Slug == slug, cancellationToken);
        return page is null
            ? NotFound(site.Title, $"{site.Title} has no page called '{slug}'.", Link(http, "/"))
            : Page(site.Title, page.Title, $"""<nav><a href="{Link(http, "/")}">Home</a></nav>{Paragraphs(page.Body)}""", Link(http, "/"));
    }

    [RequiresTenant]
    public static async Task<IResult> ContactForm(HttpContext http, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        return Page(site.Title, "Contact", ContactFields(http, "", "", "", null), Link(http, "/"));
    }

    [RequiresTenant]
    public static async Task<IResult> Contact(HttpContext http, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var name = form["name"].ToString().Trim();
        var email = form["email"].ToString().Trim().ToLowerInvariant();
        var body = form["body"].ToString().Trim();
        if (name.Length is 0 or > MaxTitle || email.Length is 0 or > MaxTitle || !email.Contains('@', StringComparison.Ordinal) || body.Length is 0 or > MaxBody)
        {
            return Page(site.Title, "Contact", ContactFields(http, name, email, body, "Give your name, an e-mail address and a message."), Link(http, "/"), StatusCodes.Status400BadRequest);
        }

        var contact = await db.Contacts.SingleOrDefaultAsync(c => c.Email == email, cancellationToken);
        if (contact is null)
        {
            contact = new Contact { Email = email, Name = name }; // website_id: stamped by the write guard
            db.Contacts.Add(contact);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear(); // the same address wrote at the same moment: use the contact that won
                contact = await db.Contacts.SingleAsync(c => c.Email == email, cancellationToken);
            }
        }

        db.Messages.Add(new Message { ContactId = contact.Id, Body = body, SentAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
        return Page(site.Title, "Thank you", $"""<p>Your message was sent to {E(site.Title)}.</p><p><a href="{Link(http, "/")}">Back</a></p>""", Link(http, "/"));
    }

    private static string ContactFields(HttpContext http, string name, string email, string body, string? error)
        => $"""
            {(error is null ? "" : $"<p class=\"error\">{E(error)}</p>")}
            <form method="post" action="{Link(http, "/contact")}">
              <label>Name <input type="text" name="name" value="{E(name)}" maxlength="{MaxTitle}"></label>
              <label>E-mail <input type="email" name="email" value="{E(email)}" maxlength="{MaxTitle}"></label>
              <label>Message <textarea name="body">{E(body)}</textarea></label>
              <button>Send</button>
            </form>
            """;

    [RequiresTenant]
    public static async Task<IResult> Dashboard(HttpContext http, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var pages = await db.Pages.AsNoTracking().OrderBy(p => p.Slug).ToListAsync(cancellationToken);
        var messages = await db.Messages.AsNoTracking().OrderByDescending(m => m.SentAt).Take(50)
            .Join(db.Contacts, m => m.ContactId, c => c.Id, (m, c) => new { c.Name, c.Email, m.Body, m.SentAt })
            .ToListAsync(cancellationToken);
        var rows = string.Concat(pages.Select(p =>
            $"""<tr><td><a href="{Link(http, "/p/" + p.Slug)}">{E(p.Slug)}</a></td><td>{E(p.Title)}</td><td><a href="{Link(http, $"/edit/pages/{p.Id}")}">edit</a></td></tr>"""));
        var inbox = messages.Count == 0 ? "<p class=\"hint\">No messages yet.</p>" : string.Concat(messages.Select(m =>
            $"""<article><p><b>{E(m.Name)}</b> &lt;{E(m.Email)}&gt; · {m.SentAt:u}</p>{Paragraphs(m.Body)}</article>"""));
        return Page(site.Title, "Edit " + site.Title, $"""
            <nav><a href="{Link(http, "/")}">View the site</a><a href="{Link(http, "/edit/pages/new")}">New page</a></nav>
            <h2>Pages</h2><table><tr><th>slug</th><th>title</th><th></th></tr>{rows}</table>
            <h2>Messages</h2>{inbox}
            """, Link(http, "/"));
    }

    [RequiresTenant]
    public static async Task<IResult> NewPage(HttpContext http, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        return Page(site.Title, "New page", PageFields(http, "/edit/pages", "", "", "", null), Link(http, "/"));
    }

    [RequiresTenant]
    public static async Task<IResult> EditPage(HttpContext http, long id, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var page = await db.Pages.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        return page is null
            ? NotFound(site.Title, $"{site.Title} has no page {id}.", Link(http, "/"))
            : Page(site.Title, "Edit " + page.Title, PageFields(http, $"/edit/pages/{id}", page.Slug, page.Title, page.Body, null) +
                $"""<form method="post" action="{Link(http, $"/edit/pages/{id}/delete")}"><button>Delete this page</button></form>""", Link(http, "/"));
    }

    [RequiresTenant]
    public static Task<IResult> Create(HttpContext http, CancellationToken cancellationToken) => SaveAsync(http, null, cancellationToken);

    [RequiresTenant]
    public static Task<IResult> Update(HttpContext http, long id, CancellationToken cancellationToken) => SaveAsync(http, id, cancellationToken);

    [RequiresTenant]
    public static async Task<IResult> Delete(HttpContext http, long id, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var page = await db.Pages.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (page is null)
        {
            return NotFound(site.Title, $"{site.Title} has no page {id}.", Link(http, "/"));
        }

        db.Pages.Remove(page);
        await db.SaveChangesAsync(cancellationToken);
        return Results.Redirect(http.Request.PathBase.Add("/edit").Value!);
    }

    [RequiresTenant]
    private static async Task<IResult> SaveAsync(HttpContext http, long? id, CancellationToken cancellationToken)
    {
        await using var db = await OpenAsync(cancellationToken);
        var site = await WebsiteAsync(db, cancellationToken);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var slug = form["slug"].ToString().Trim();
        var title = form["title"].ToString().Trim();
        var body = form["body"].ToString();
        var action = id is null ? "/edit/pages" : $"/edit/pages/{id}";
        IResult Invalid(string error, int status)
            => Page(site.Title, id is null ? "New page" : "Edit " + title, PageFields(http, action, slug, title, body, error), Link(http, "/"), status);

        if (!IsPageSlug(slug) || title.Length is 0 or > MaxTitle || body.Length > MaxBody)
        {
            return Invalid($"A page needs a slug (lower-case letters, digits and dashes, up to 60), a title (up to {MaxTitle} characters) and a body of at most 64 KB.", StatusCodes.Status400BadRequest);
        }

        Page? page;
        if (id is null)
        {
            page = new Page(); // website_id: stamped by the write guard
            db.Pages.Add(page);
        }
        else if ((page = await db.Pages.SingleOrDefaultAsync(p => p.Id == id, cancellationToken)) is null)
        {
            return NotFound(site.Title, $"{site.Title} has no page {id}.", Link(http, "/"));
        }

        page.Slug = slug;
        page.Title = title;
        page.Body = body;
        page.UpdatedAt = DateTimeOffset.UtcNow;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            return Invalid($"{site.Title} already has a page called '{slug}'. Pick another slug.", StatusCodes.Status409Conflict);
        }

        return Results.Redirect(http.Request.PathBase.Add("/p/" + slug).Value!);
    }

    private static bool IsPageSlug(string slug)
        => slug.Length is > 0 and <= 60 && slug.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && slug[0] != '-';

    private static string PageFields(HttpContext http, string action, string slug, string title, string body, string? error)
        => $"""
            {(error is null ? "" : $"<p class=\"error\">{E(error)}</p>")}
            <form method="post" action="{Link(http, action)}">
              <label>Slug <input type="text" name="slug" value="{E(slug)}" maxlength="60"></label>
              <label>Title <input type="text" name="title" value="{E(title)}" maxlength="{MaxTitle}"></label>
              <label>Text <textarea name="body">{E(body)}</textarea></label>
              <button>Save</button>
            </form>
            """;
}
