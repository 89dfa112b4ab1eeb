using Microsoft.Data.Sqlite;
using Tenancy.Sqlite;

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

/// <summary>A draft a user saved without publishing.</summary>
public sealed record Draft(string Page, string User, string Text, DateTimeOffset SavedAt);

/// <summary>A user as this wiki knows them (first and last edit).</summary>
public sealed record WikiUser(string Name, string Email, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>
/// One wiki's own SQLite database (the four tables of the original design). It is bound to its wiki's file when the
/// wiki's scope first asks for it, so its methods need no ambient tenant.
/// </summary>
public sealed class WikiDatabase(SqliteTenantDatabase database)
{
    /// <summary>The schema of every wiki database; the SQLite package applies it on first use.</summary>
    public static void AddMigrations(SqliteMigrationCollection migrations) => migrations.Add(1, "wiki tables", """
        CREATE TABLE preferences (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE drafts (page TEXT NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL, saved_at TEXT NOT NULL, PRIMARY KEY (page, user));
        CREATE TABLE users (name TEXT PRIMARY KEY, email TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
        CREATE TABLE cache (page TEXT NOT NULL, revision TEXT NOT NULL, html TEXT NOT NULL, PRIMARY KEY (page, revision));
        """);

    /// <summary>The wiki's file (for messages and tests).</summary>
    public string Path => database.Path;

    public WikiPreferences GetPreferences()
    {
        using var connection = database.OpenConnection();
        var values = Sql.Query(connection, "SELECT key, value FROM preferences", r => (r.GetString(0), r.GetString(1))).ToDictionary();
        var tags = values.GetValueOrDefault("allowed_tags", WikiPreferences.DefaultTags);
        return new WikiPreferences(
            values.GetValueOrDefault("site_name", "Wiki"),
            tags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToLowerInvariant()).ToHashSet());
    }

    /// <summary>Saves the preferences and empties the render cache (pages render differently now).</summary>
    public void SavePreferences(WikiPreferences preferences)
    {
        using var connection = database.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Sql.Execute(connection, "INSERT OR REPLACE INTO preferences (key, value) VALUES ('site_name', $v)", ("$v", preferences.SiteName));
        Sql.Execute(connection, "INSERT OR REPLACE INTO preferences (key, value) VALUES ('allowed_tags', $v)", ("$v", string.Join(' ', preferences.AllowedTags.Order())));
        Sql.Execute(connection, "DELETE FROM cache");
        transaction.Commit();
    }

    public Draft? GetDraft(string page, string user)
    {
        using var connection = database.OpenConnection();
        return Sql.Query(connection, "SELECT page, user, text, saved_at FROM drafts WHERE page = $p AND user = $u",
            r => new Draft(r.GetString(0), r.GetString(1), r.GetString(2), DateTimeOffset.Parse(r.GetString(3))), ("$p", page), ("$u", user)).FirstOrDefault();
    }

    public void SaveDraft(string page, string user, string text)
    {
        using var connection = database.OpenConnection();
        Sql.Execute(connection, "INSERT OR REPLACE INTO drafts (page, user, text, saved_at) VALUES ($p, $u, $t, $s)",
            ("$p", page), ("$u", user), ("$t", text), ("$s", DateTimeOffset.UtcNow.ToString("O")));
    }

    public void DeleteDraft(string page, string user)
    {
        using var connection = database.OpenConnection();
        Sql.Execute(connection, "DELETE FROM drafts WHERE page = $p AND user = $u", ("$p", page), ("$u", user));
    }

    /// <summary>Records that <paramref name="name"/> edited this wiki.</summary>
    public void TouchUser(string name, string email)
    {
        using var connection = database.OpenConnection();
        var now = DateTimeOffset.UtcNow.ToString("O");
        Sql.Execute(connection, """
            INSERT INTO users (name, email, first_seen, last_seen) VALUES ($n, $e, $t, $t)
            ON CONFLICT (name) DO UPDATE SET email = excluded.email, last_seen = excluded.last_seen
            """, ("$n", name), ("$e", email), ("$t", now));
    }

    public IReadOnlyList<WikiUser> GetUsers()
    {
        using var connection = database.OpenConnection();
        return Sql.Query(connection, "SELECT name, email, first_seen, last_seen FROM users ORDER BY name",
            r => new WikiUser(r.GetString(0), r.GetString(1), DateTimeOffset.Parse(r.GetString(2)), DateTimeOffset.Parse(r.GetString(3))));
    }

    public string? GetCachedHtml(string page, string revision)
    {
        using var connection = database.OpenConnection();
        return Sql.Query(connection, "SELECT html FROM cache WHERE page = $p AND revision = $r", r => r.GetString(0), ("$p", page), ("$r", revision)).FirstOrDefault();
    }

    public void CacheHtml(string page, string revision, string html)
    {
        using var connection = database.OpenConnection();
        Sql.Execute(connection, "INSERT OR REPLACE INTO cache (page, revision, html) VALUES ($p, $r, $h)", ("$p", page), ("$r", revision), ("$h", html));
    }
}
