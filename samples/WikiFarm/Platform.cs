using Microsoft.Data.Sqlite;
using Tenancy;

namespace WikiFarm;

/// <summary>What a user may do in a wiki. Each level includes the ones before it.</summary>
public enum Access
{
    None = 0,
    Read = 1,
    Write = 2,
    Admin = 3,
}

/// <summary>A signed-in user.</summary>
/// <param name="Name">The user's name, as <see cref="Normalize"/> spells it.</param>
/// <param name="Email">Their e-mail address; empty when none is known.</param>
/// <param name="IsFarmAdmin">Whether they may create, archive and delete wikis and administer every wiki.</param>
public sealed record FarmUser(string Name, string Email, bool IsFarmAdmin)
{
    /// <summary>
    /// A user name as the farm stores it: 1–64 ASCII letters, digits and <c>. _ @ + -</c>, starting with a letter or digit,
    /// lower-cased (so <c>Alice</c> and <c>alice</c> are one user). Anything else — invisible characters, look-alike
    /// letters from other scripts, spaces, commas — is refused: null.
    /// </summary>
    public static string? Normalize(string? name) =>
        name is { Length: > 0 and <= 64 } && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '+' or '-')
            ? name.ToLowerInvariant()
            : null;

    /// <summary>An e-mail address the farm records (empty, or printable ASCII with an <c>@</c> and no <c>&lt;&gt;</c>, at most 254).</summary>
    public static bool IsValidEmail(string? email) =>
        string.IsNullOrEmpty(email) ||
        (email.Length <= 254 && email.Contains('@', StringComparison.Ordinal) && email.All(c => c is > ' ' and < (char)127 and not ('<' or '>' or ',')));
}

/// <summary>A wiki as the platform lists it.</summary>
public sealed record WikiEntry(string Slug, string Title, TenantState State, string? Template);

/// <summary>
/// The farm's own view of its wikis and people: the configuration's tenant catalog (<see cref="ITenantCatalog"/>: which
/// wikis exist, active or archived — created, archived and deleted only through it) plus the farm's users, titles and
/// ACLs in the platform database next to the catalog (<c>data/platform.db</c>). It is not tenant-scoped: it answers for
/// every wiki.
/// </summary>
[CrossTenant(Justification = "The farm's own tables: users, wikis and who may do what in each.")]
public sealed class Platform
{
    private readonly ITenantCatalog _catalog;
    private readonly string _connectionString;

    public Platform(TenantConfiguration configuration)
    {
        _catalog = configuration.Catalog ?? throw new InvalidOperationException(
            "WikiFarm needs a tenant catalog: configure UseSqlite(o => o.UseCatalog = true) in AddTenantContext.");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = configuration.GetSqlite().CatalogPath, DefaultTimeout = 5 }.ToString();
    }

    /// <summary>Creates the farm's tables next to the catalog's.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _catalog.ListAsync(cancellationToken: cancellationToken); // creates the catalog first
        using var connection = Open();
        Sql.Execute(connection, """
            CREATE TABLE IF NOT EXISTS farm_users (name TEXT PRIMARY KEY, email TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS farm_wikis (slug TEXT PRIMARY KEY, title TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS farm_acl (user TEXT NOT NULL, wiki TEXT NOT NULL, access INTEGER NOT NULL, PRIMARY KEY (user, wiki));
            """);
    }

    public async Task<IReadOnlyList<WikiEntry>> ListWikisAsync(CancellationToken cancellationToken)
    {
        var records = await _catalog.ListAsync(includeArchived: true, cancellationToken);
        using var connection = Open();
        var titles = Sql.Query(connection, "SELECT slug, title FROM farm_wikis", r => (r.GetString(0), r.GetString(1))).ToDictionary();
        return records.Select(r => new WikiEntry(r.Slug, titles.GetValueOrDefault(r.Slug, r.Slug), r.State, r.Template)).ToList();
    }

    /// <summary>The catalog's record of <paramref name="slug"/>, or null when there is no such wiki.</summary>
    public Task<TenantRecord?> FindWikiAsync(string slug, CancellationToken cancellationToken) => _catalog.GetAsync(slug, cancellationToken);

    /// <summary>
    /// Creates a wiki in the catalog (its database copied from <paramref name="template"/> when given) and makes
    /// <paramref name="owner"/> its only grantee: grants left behind by an earlier wiki of the same name (deleted by
    /// another tool) are removed first.
    /// </summary>
    public async Task CreateWikiAsync(string slug, string title, string? template, string owner, CancellationToken cancellationToken)
    {
        await _catalog.CreateAsync(slug, template, cancellationToken);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        Sql.Execute(connection, "DELETE FROM farm_acl WHERE wiki = $w", ("$w", slug));
        Sql.Execute(connection, "INSERT OR REPLACE INTO farm_wikis (slug, title) VALUES ($s, $t)", ("$s", slug), ("$t", title));
        Sql.Execute(connection, "INSERT INTO farm_acl (user, wiki, access) VALUES ($u, $w, $a)", ("$u", owner), ("$w", slug), ("$a", (int)Access.Admin));
        transaction.Commit();
    }

    /// <summary>Archives a wiki: no one can enter it until it is restored.</summary>
    /// <exception cref="TenantUnavailableException">There is no such wiki.</exception>
    public Task ArchiveWikiAsync(string slug, CancellationToken cancellationToken) => _catalog.ArchiveAsync(slug, cancellationToken);

    /// <summary>Deletes a wiki for good: its data through the catalog, then its title and every grant in it.</summary>
    /// <returns>Whether there was anything to delete.</returns>
    public async Task<bool> DeleteWikiAsync(string slug, CancellationToken cancellationToken)
    {
        var deleted = await _catalog.DeleteAsync(slug, cancellationToken);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        Sql.Execute(connection, "DELETE FROM farm_acl WHERE wiki = $w", ("$w", slug));
        Sql.Execute(connection, "DELETE FROM farm_wikis WHERE slug = $w", ("$w", slug));
        transaction.Commit();
        return deleted;
    }

    public FarmUser? FindUser(string name)
    {
        using var connection = Open();
        return Sql.Query(connection, "SELECT name, email, is_admin FROM farm_users WHERE name = $n",
            r => new FarmUser(r.GetString(0), r.GetString(1), r.GetInt64(2) != 0), ("$n", name)).FirstOrDefault();
    }

    /// <summary>
    /// Records a user (a proxy may introduce users the farm has not seen yet); keeps the admin flag. A null
    /// <paramref name="email"/> (the proxy sent none) keeps the e-mail the farm knows; a new user gets an empty one.
    /// </summary>
    /// <param name="name">A name <see cref="FarmUser.Normalize"/> accepted.</param>
    /// <param name="email">The e-mail address, or null when unknown.</param>
    /// <param name="isFarmAdmin">Makes the user a farm admin (never takes it away).</param>
    public FarmUser EnsureUser(string name, string? email, bool isFarmAdmin = false)
    {
        if (FindUser(name) is { } known && (email is null || known.Email == email) && (known.IsFarmAdmin || !isFarmAdmin))
        {
            return known; // the common case behind a proxy: no write
        }

        using var connection = Open();
        Sql.Execute(connection, """
            INSERT INTO farm_users (name, email, is_admin) VALUES ($n, $e, $a)
            ON CONFLICT (name) DO UPDATE SET email = CASE WHEN $keep = 1 THEN farm_users.email ELSE excluded.email END,
                                             is_admin = max(is_admin, excluded.is_admin)
            """, ("$n", name), ("$e", email ?? ""), ("$keep", email is null ? 1 : 0), ("$a", isFarmAdmin ? 1 : 0));
        return FindUser(name)!;
    }

    public void Grant(string user, string wiki, Access access)
    {
        if (!Enum.IsDefined(access))
        {
            throw new ArgumentOutOfRangeException(nameof(access), access, "Grant None, Read, Write or Admin.");
        }

        using var connection = Open();
        Sql.Execute(connection, "INSERT OR REPLACE INTO farm_acl (user, wiki, access) VALUES ($u, $w, $a)", ("$u", user), ("$w", wiki), ("$a", (int)access));
    }

    /// <summary>What <paramref name="user"/> may do in <paramref name="wiki"/>; farm admins may do everything.</summary>
    public Access GetAccess(FarmUser user, string wiki)
    {
        if (user.IsFarmAdmin)
        {
            return Access.Admin;
        }

        using var connection = Open();
        var access = Sql.Query(connection, "SELECT access FROM farm_acl WHERE user = $u AND wiki = $w", r => (Access)r.GetInt32(0), ("$u", user.Name), ("$w", wiki))
            .FirstOrDefault(Access.None);
        return Enum.IsDefined(access) ? access : Access.None;
    }

    public IReadOnlyList<(string User, Access Access)> GetAcl(string wiki)
    {
        using var connection = Open();
        return Sql.Query(connection, "SELECT user, access FROM farm_acl WHERE wiki = $w ORDER BY user", r => (r.GetString(0), (Access)r.GetInt32(1)), ("$w", wiki));
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open(); // DefaultTimeout: a busy database is retried for 5 s
        return connection;
    }
}
