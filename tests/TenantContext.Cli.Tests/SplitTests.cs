using System.Text.Json;

namespace Tenancy.Cli.Tests;

/// <summary>split --source DB --by COLUMN --tables A,B [--dry-run]: the single → multi migration.</summary>
public sealed class SplitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => _folder["data"];

    public void Dispose() => _folder.Dispose();

    private string Shared(bool withOrphan = false)
    {
        var path = _folder["shared.db"];
        Db.Exec(path,
            "PRAGMA user_version = 3;" +
            "CREATE TABLE pages (id INTEGER PRIMARY KEY, site TEXT, slug TEXT NOT NULL);" +
            "CREATE TABLE comments (id INTEGER PRIMARY KEY, site TEXT, page_id INTEGER, body TEXT);" +
            "CREATE INDEX comments_page ON comments (page_id);" +
            "INSERT INTO pages (site, slug) VALUES ('acme', 'home'), ('acme', 'about'), ('globex', 'home');" +
            "INSERT INTO comments (site, page_id, body) VALUES ('acme', 1, 'hi'), ('globex', 3, 'yo'), ('globex', 3, 'again');" +
            (withOrphan ? "INSERT INTO pages (site, slug) VALUES (NULL, 'lost');" : ""));
        return path;
    }

    [Fact]
    public async Task Dry_run_prints_what_would_be_created_and_changes_nothing()
    {
        var source = Shared();
        var sourceHash = Db.Hash(source);

        var report = (await Tool.RunAsync("--data-root", Root, "split", "--source", source, "--by", "site", "--tables", "pages,comments", "--dry-run", "--json")).Expect(0).Json;

        Assert.True(report.Has("dryRun", JsonValueKind.True).GetBoolean());
        Assert.True(report.Has("succeeded", JsonValueKind.True).GetBoolean());
        Assert.Equal(3, report.Has("sourceVersion", JsonValueKind.Number).GetInt32());
        var tenants = report.Has("tenants", JsonValueKind.Array);
        Assert.Equal(["acme", "globex"], tenants.Slugs());
        Assert.Equal("wouldCreate", tenants[0].Has("outcome", JsonValueKind.String).GetString());
        Assert.Equal(2, tenants[0].Has("rowCounts", JsonValueKind.Object).GetProperty("pages").GetInt64());
        Assert.Equal(2, tenants[1].GetProperty("rowCounts").GetProperty("comments").GetInt64());
        Assert.Equal(sourceHash, Db.Hash(source));
        Assert.False(Directory.Exists(Root), "a dry run must not create the data root");
    }

    [Fact]
    public async Task Plain_dry_run_says_nothing_was_changed()
    {
        var source = Shared();

        var result = (await Tool.RunAsync("--data-root", Root, "split", "--source", source, "--by", "site", "--tables", "pages", "--tables", "comments", "--dry-run")).Expect(0);

        Assert.Contains("would create", result.Stdout);
        Assert.Contains("nothing was changed", result.Stdout);
        Assert.False(Directory.Exists(Root));
    }

    [Fact]
    public async Task Split_creates_verified_catalogued_tenants_and_leaves_the_source()
    {
        var source = Shared();
        var sourceHash = Db.Hash(source);

        var report = (await Tool.RunAsync("--data-root", Root, "split", "--source", source, "--by", "site", "--tables", "pages,comments", "--json")).Expect(0).Json;

        Assert.All(report.GetProperty("tenants").EnumerateArray(), t => Assert.Equal("created", t.GetProperty("outcome").GetString()));
        Assert.Equal(sourceHash, Db.Hash(source));
        Assert.Equal(2, Db.Scalar(Path.Combine(Root, "tenants", "acme.db"), "SELECT count(*) FROM pages;"));
        Assert.Equal(3, Db.Scalar(Path.Combine(Root, "tenants", "globex.db"), "PRAGMA user_version;"));
        Assert.Equal(["acme", "globex"], (await Tool.RunAsync("--data-root", Root, "list", "--json")).Json.GetProperty("tenants").Slugs());

        var again = (await Tool.RunAsync("--data-root", Root, "split", "--source", source, "--by", "site", "--tables", "pages,comments", "--json")).Expect(0).Json;
        Assert.All(again.GetProperty("tenants").EnumerateArray(), t => Assert.Equal("alreadyPresent", t.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Rows_without_a_tenant_make_the_split_exit_4()
    {
        var source = Shared(withOrphan: true);

        var report = (await Tool.RunAsync("--data-root", Root, "split", "--source", source, "--by", "site", "--tables", "pages,comments", "--dry-run", "--json")).Expect(4).Json;

        Assert.Equal(1, report.Has("rowsWithoutTenant", JsonValueKind.Number).GetInt64());
        Assert.False(report.GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task A_missing_source_is_a_usage_error()
    {
        (await Tool.RunAsync("--data-root", Root, "split", "--source", _folder["nope.db"], "--by", "site", "--tables", "pages")).Expect(2);
        (await Tool.RunAsync("--data-root", Root, "split", "--source", Shared(), "--tables", "pages")).Expect(2); // --by is required
        Assert.False(Directory.Exists(Root));
    }
}
