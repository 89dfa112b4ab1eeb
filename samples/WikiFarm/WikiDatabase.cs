using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace WikiFarm;

/// <summary>A wiki's preferences.</summary>
/// <param name="SiteName">Shown in the header of every page.</param>
/// <param name="AllowedTags">The HTML tags a page may use (everything else is removed when rendering).</param>
public sealed record WikiPreferences(string SiteName, IReadOnlySet<string> AllowedTags)
{
    /// <summary>The tags a new wiki allows.</summary>
    public static readonly string DefaultTags =
        "p br hr h1 h2 h3 h4 h5 h6 em strong del code pre blockquote ul ol li a img table thead tbody tr th td";
}

/// <summary>
/// What the wiki's pages need from its database, in the wiki's own words: a small facade over the request's
/// <see cref="WikiDbContext"/>. <c>Wiki.Db</c> returns one per scope, wrapping that scope's pooled context; it is bound to
/// its wiki when created, so its methods need no ambient tenant.
/// </summary>
public sealed class WikiDatabase(WikiDbContext db)
{
    private const string SiteNameKey = "site_name";
    private const string AllowedTagsKey = "allowed_tags";
    private const int SqliteConstraint = 19;

    // Every page view reads the preferences (for the renderer and the site name) and the cached HTML: compiled once, these
    // two queries skip EF's per-call query translation lookup.
    private static readonly Func<WikiDbContext, IEnumerable<Preference>> AllPreferences = EF.CompileQuery(
        (WikiDbContext db) => db.Preferences.AsNoTracking());

    private static readonly Func<WikiDbContext, string, string, string?> CachedHtml = EF.CompileQuery(
        (WikiDbContext db, string page, string revision) => db.CacheEntries.Where(c => c.Page == page && c.Revision == revision).Select(c => c.Html).FirstOrDefault());

    public WikiPreferences GetPreferences()
    {
        var values = AllPreferences(db).ToDictionary(p => p.Key, p => p.Value);
        var tags = values.GetValueOrDefault(AllowedTagsKey, WikiPreferences.DefaultTags);
        return new WikiPreferences(
            values.GetValueOrDefault(SiteNameKey, "Wiki"),
            tags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToHashSet());
    }

    /// <summary>Saves the preferences and empties the render cache (pages render differently now), in one transaction.</summary>
    public void SavePreferences(WikiPreferences preferences)
    {
        using var transaction = db.Database.BeginTransaction(); // BEGIN IMMEDIATE: the wiki's write lock first
        db.CacheEntries.ExecuteDelete();
        SetPreference(SiteNameKey, preferences.SiteName);
        SetPreference(AllowedTagsKey, string.Join(' ', preferences.AllowedTags.Order()));
        db.SaveChanges();
        transaction.Commit();
    }

    public Draft? GetDraft(string page, string user)
        => db.Drafts.AsNoTracking().FirstOrDefault(d => d.Page == page && d.User == user);

    public void SaveDraft(string page, string user, string text) => Save(() =>
    {
        var draft = db.Drafts.Find(page, user) ?? db.Drafts.Add(new Draft { Page = page, User = user, Text = text }).Entity;
        draft.Text = text;
        draft.SavedAt = DateTimeOffset.UtcNow;
    });

    public void DeleteDraft(string page, string user)
        => db.Drafts.Where(d => d.Page == page && d.User == user).ExecuteDelete();

    /// <summary>Records that <paramref name="name"/> edited this wiki.</summary>
    public void TouchUser(string name, string email) => Save(() =>
    {
        var now = DateTimeOffset.UtcNow;
        var user = db.Users.Find(name) ?? db.Users.Add(new WikiUser { Name = name, Email = email, FirstSeen = now }).Entity;
        user.Email = email;
        user.LastSeen = now;
    });

    public IReadOnlyList<WikiUser> GetUsers()
        => db.Users.AsNoTracking().OrderBy(u => u.Name).ToList();

    /// <summary>The HTML of a page revision rendered under the rules <paramref name="fingerprint"/> names, if cached.</summary>
    public string? GetCachedHtml(string page, string revision, string fingerprint) => CachedHtml(db, page, CacheKey(revision, fingerprint));

    /// <summary>Caches the HTML of a page revision rendered under the rules <paramref name="fingerprint"/> names (<see cref="WikiRenderer.Fingerprint"/>).</summary>
    public void CacheHtml(string page, string revision, string fingerprint, string html) => Save(() =>
    {
        var key = CacheKey(revision, fingerprint);
        var entry = db.CacheEntries.Find(page, key) ?? db.CacheEntries.Add(new CacheEntry { Page = page, Revision = key, Html = html }).Entity;
        entry.Html = html;
    });

    /// <summary>
    /// Empties what a copy of a template's database must not carry into a new wiki: the template's drafts (private to
    /// their authors), its contributors (names and e-mail addresses) and its render cache, then rewrites the file
    /// (<c>VACUUM</c>, then a checkpoint) so the deleted rows' bytes are gone from it too. The preferences stay.
    /// </summary>
    public void ForgetTemplatesPeople()
    {
        using (var transaction = db.Database.BeginTransaction())
        {
            db.Drafts.ExecuteDelete();
            db.Users.ExecuteDelete();
            db.CacheEntries.ExecuteDelete();
            transaction.Commit();
        }

        db.Database.ExecuteSqlRaw("VACUUM");
        db.Database.ExecuteSqlRaw("PRAGMA wal_checkpoint(TRUNCATE)"); // in WAL mode the old pages stay in the main file until then
    }

    /// <summary>The cache row's key: the commit id, then the rendering rules' fingerprint.</summary>
    private static string CacheKey(string revision, string fingerprint) => $"{revision}/{fingerprint}";

    private void SetPreference(string key, string value)
    {
        var row = db.Preferences.Find(key) ?? db.Preferences.Add(new Preference { Key = key, Value = value }).Entity;
        row.Value = value;
    }

    /// <summary>
    /// Applies <paramref name="change"/> (a find-or-add) and saves. When a concurrent request added the same key between
    /// the find and the save (two readers of an uncached page, say), forgets the failed insert and applies the change
    /// once more: the find now sees that row and updates it.
    /// </summary>
    private void Save(Action change)
    {
        change();
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: SqliteConstraint })
        {
            db.ChangeTracker.Clear();
            change();
            db.SaveChanges();
        }
    }
}
