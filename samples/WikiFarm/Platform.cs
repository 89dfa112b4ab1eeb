using Microsoft.Data.Sqlite;
using Tenancy;
using Tenancy.Sqlite;

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
public sealed record FarmUser(string Name, string Email, bool IsFarmAdmin);

/// <summary>A wiki as the platform lists it.</summary>
public sealed record WikiEntry(string Slug, string Title, TenantState State, string? Template);

/// <summary>
/// The platform database (<c>data/platform.db</c>): the tenant catalog of the SQLite package (which wikis exist, active
/// or archived) plus the farm's users and ACLs. It is not tenant-scoped: it answers for every wiki.
/// </summary>
[CrossTenant(Justification = "The farm's own tables: users, wikis and who may do what in each.")]
public sealed class Platform
{
    private readonly TenantCatalog _catalog;
    private readonly string _connectionString;

    public Platform(TenantConfiguration configuration)
    {
        _catalog = configuration.GetSqlite().Catalog;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _catalog.Path, DefaultTimeout = 5 }.ToString();
    }

    /// <summary>Creates the farm's tables next to the catalog's.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _catalog.ListAsync(cancellationToken: cancellationToken); // creates the catalog first
        using var connection = Open();
        Sql.Execute(connection, """
            PRAGMA busy_timeout = 5000;
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

    /// <summary>Creates a wiki in the catalog (its database copied from <paramref name="template"/> when given) and makes <paramref name="owner"/> its admin.</summary>
    public async Task CreateWikiAsync(string slug, string title, string? template, string owner, CancellationToken cancellationToken)
    {
        await _catalog.CreateAsync(slug, template, cancellationToken);
        using var connection = Open();
        Sql.Execute(connection, "INSERT OR REPLACE INTO farm_wikis (slug, title) VALUES ($s, $t)", ("$s", slug), ("$t", title));
        Grant(owner, slug, Access.Admin);
    }

    public Task ArchiveWikiAsync(string slug, CancellationToken cancellationToken) => _catalog.ArchiveAsync(slug, cancellationToken);

    public FarmUser? FindUser(string name)
    {
        using var connection = Open();
        return Sql.Query(connection, "SELECT name, email, is_admin FROM farm_users WHERE name = $n",
            r => new FarmUser(r.GetString(0), r.GetString(1), r.GetInt64(2) != 0), ("$n", name)).FirstOrDefault();
    }

    /// <summary>Records a user (a proxy may introduce users the farm has not seen yet); keeps the admin flag.</summary>
    public FarmUser EnsureUser(string name, string email, bool isFarmAdmin = false)
    {
        if (FindUser(name) is { } known && known.Email == email && (known.IsFarmAdmin || !isFarmAdmin))
        {
            return known; // the common case behind a proxy: no write
        }

        using var connection = Open();
        Sql.Execute(connection, """
            INSERT INTO farm_users (name, email, is_admin) VALUES ($n, $e, $a)
            ON CONFLICT (name) DO UPDATE SET email = excluded.email, is_admin = max(is_admin, excluded.is_admin)
            """, ("$n", name), ("$e", email), ("$a", isFarmAdmin ? 1 : 0));
        return FindUser(name)!;
    }

    public void Grant(string user, string wiki, Access access)
    {
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
        return Sql.Query(connection, "SELECT access FROM farm_acl WHERE user = $u AND wiki = $w", r => (Access)r.GetInt32(0), ("$u", user.Name), ("$w", wiki))
            .FirstOrDefault(Access.None);
    }

    public IReadOnlyList<(string User, Access Access)> GetAcl(string wiki)
    {
        using var connection = Open();
        return Sql.Query(connection, "SELECT user, access FROM farm_acl WHERE wiki = $w ORDER BY user", r => (r.GetString(0), (Access)r.GetInt32(1)), ("$w", wiki));
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
