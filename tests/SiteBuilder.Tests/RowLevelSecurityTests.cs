using Microsoft.EntityFrameworkCore;
using Npgsql;
using Tenancy;
using Tenancy.Npgsql;

namespace SiteBuilder.Tests;

/// <summary>
/// The app's own configuration, its own role and its own shared tables: inside one website's scope, every way around
/// EF's filter (raw SQL, IgnoreQueryFilters, ExecuteUpdate/ExecuteDelete, hand-written INSERT and UPDATE) sees and
/// changes that website's rows only, because PostgreSQL enforces it; outside any scope the app's role sees no row.
/// </summary>
[Collection(SiteCollection.Name)]
public sealed class RowLevelSecurityTests(SiteServer server)
{
    private static readonly string[] SharedTables = ["contacts", "messages", "pages", "websites"];

    [Fact]
    public void The_app_role_owns_no_table_and_cannot_bypass_row_level_security()
    {
        Assert.Equal(["postgres"], server.AsOwner("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"));
        Assert.Equal(["false|false"], server.AsOwner($"SELECT rolsuper::text || '|' || rolbypassrls::text FROM pg_roles WHERE rolname = '{server.AppRole}'"));
        Assert.Equal(SharedTables.Select(_ => "true|true"),
            server.AsOwner("SELECT relrowsecurity::text || '|' || relforcerowsecurity::text FROM pg_class WHERE relname IN ('contacts', 'messages', 'pages', 'websites') AND relkind = 'r' ORDER BY relname"));
        using (server.Activate())
        {
            var shard = new NpgsqlConnectionStringBuilder(TenantContext.Configuration.GetPostgres().Options.Shards["main"]);
            Assert.Equal(server.AppRole, shard.Username);
        }
    }

    [Fact]
    public void Raw_SQL_sees_only_the_current_websites_rows()
    {
        var acme = server.KeyOf("acme");
        using (server.Activate())
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.Get<SiteContext>();
            Assert.Equal([acme], db.Database.SqlQueryRaw<long>("SELECT DISTINCT website_id AS \"Value\" FROM pages").ToList());
            Assert.Equal(["acme"], db.Database.SqlQueryRaw<string>("SELECT slug AS \"Value\" FROM websites").ToList());
        }
    }

    [Fact]
    public void IgnoreQueryFilters_sees_only_the_current_websites_rows()
    {
        var initech = server.KeyOf("initech");
        using (server.Activate())
        using (TenantContext.Enter("initech"))
        {
            var db = TenantContext.Get<SiteContext>();
            Assert.Equal([initech], db.Pages.IgnoreQueryFilters().Select(p => p.WebsiteId).Distinct().ToList());
            Assert.Equal(["initech"], db.Websites.Select(w => w.Slug).ToList());
        }
    }

    [Fact]
    public void ExecuteUpdate_and_ExecuteDelete_aimed_at_another_website_change_nothing()
    {
        var globex = server.KeyOf("globex");
        var before = server.AsOwner("SELECT id || ':' || website_id || ':' || title FROM pages ORDER BY website_id, id");
        using (server.Activate())
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.Get<SiteContext>();
            Assert.Equal(0, db.Pages.IgnoreQueryFilters().Where(p => p.WebsiteId == globex).ExecuteUpdate(s => s.SetProperty(p => p.Title, "defaced")));
            Assert.Equal(0, db.Pages.IgnoreQueryFilters().Where(p => p.WebsiteId == globex).ExecuteDelete());
            Assert.Equal(0, db.Database.ExecuteSqlRaw("UPDATE pages SET title = 'defaced' WHERE website_id <> {0}", server.KeyOf("acme")));
        }

        Assert.Equal(before, server.AsOwner("SELECT id || ':' || website_id || ':' || title FROM pages ORDER BY website_id, id"));
    }

    [Fact]
    public void Globex_rows_on_their_own_shard_are_out_of_reach_of_acme_and_still_served_to_globex()
    {
        var globex = server.KeyOf("globex");
        Assert.Contains(globex.ToString(System.Globalization.CultureInfo.InvariantCulture), server.AsOwner("SELECT DISTINCT website_id FROM pages", server.SecondDatabase));
        using (server.Activate())
        {
            using (TenantContext.Enter("globex"))
            {
                Assert.Contains("home", TenantContext.Get<SiteContext>().Pages.Select(p => p.Slug).ToList());
            }

            using (TenantContext.Enter("acme"))
            {
                Assert.DoesNotContain(globex, TenantContext.Get<SiteContext>().Pages.IgnoreQueryFilters().Select(p => p.WebsiteId).ToList());
            }
        }
    }

    [Fact]
    public void A_hand_written_INSERT_for_another_website_is_refused_by_the_database()
    {
        var globex = server.KeyOf("globex");
        var initech = server.KeyOf("initech");
        using (server.Activate())
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.Get<SiteContext>();
            var page = Assert.Throws<PostgresException>(() => db.Database.ExecuteSqlRaw(
                "INSERT INTO pages (website_id, slug, title, body) VALUES ({0}, 'planted', 'planted', '')", initech));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, page.SqlState); // new row violates row-level security policy
            var website = Assert.Throws<PostgresException>(() => db.Database.ExecuteSqlRaw(
                "INSERT INTO websites (id, slug, title) VALUES ({0}, 'forged', 'forged')", globex + 1000));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, website.SqlState);
        }

        Assert.Empty(server.AsOwner("SELECT slug FROM pages WHERE slug = 'planted' UNION ALL SELECT slug FROM websites WHERE slug = 'forged'"));
    }

    [Fact]
    public void A_hand_written_UPDATE_moving_rows_to_another_website_is_refused_by_the_database()
    {
        var initech = server.KeyOf("initech");
        var before = server.AsOwner("SELECT id || ':' || website_id FROM pages ORDER BY website_id, id");
        using (server.Activate())
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.Get<SiteContext>();
            var refused = Assert.Throws<PostgresException>(() => db.Database.ExecuteSqlRaw("UPDATE pages SET website_id = {0}", initech));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        Assert.Equal(before, server.AsOwner("SELECT id || ':' || website_id FROM pages ORDER BY website_id, id"));
    }

    [Fact]
    public void SaveChanges_of_a_page_for_another_website_is_refused_before_it_reaches_the_database()
    {
        var initech = server.KeyOf("initech");
        using (server.Activate())
        using (TenantContext.Enter("acme"))
        {
            var db = TenantContext.Get<SiteContext>();
            db.Pages.Add(new Page { WebsiteId = initech, Slug = "planted-ef", Title = "x", Body = "", UpdatedAt = DateTimeOffset.UtcNow });
            Assert.Throws<CrossTenantWriteException>(() => db.SaveChanges());
            db.ChangeTracker.Clear();
        }

        Assert.Empty(server.AsOwner("SELECT slug FROM pages WHERE slug = 'planted-ef'"));
    }

    [Fact]
    public async Task A_connection_of_the_app_role_outside_any_scope_sees_no_rows()
    {
        string shard;
        using (server.Activate())
        {
            shard = TenantContext.Configuration.GetPostgres().Options.Shards["main"];
        }

        await using var connection = new NpgsqlConnection(shard);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM pages) + (SELECT count(*) FROM websites) + (SELECT count(*) FROM contacts) + (SELECT count(*) FROM messages)", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
        Assert.NotEmpty(server.AsOwner("SELECT id FROM pages")); // the rows are there: the role just cannot see them
    }
}
