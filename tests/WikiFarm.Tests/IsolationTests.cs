using System.Net;
using LibGit2Sharp;
using Microsoft.EntityFrameworkCore;

namespace WikiFarm.Tests;

/// <summary>Two wikis in one process: pages, history, preferences, drafts and rendering never cross.</summary>
public sealed class IsolationTests(FarmServer farm) : IClassFixture<FarmServer>
{
    private readonly HttpClient _alice = farm.AsUser("alice");

    private async Task SaveAsync(string wiki, string page, string text, HttpClient? client = null)
    {
        var response = await (client ?? _alice).PostFormAsync($"/w/{wiki}/pages/{page}", ("text", text), ("message", $"save {page}"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task Data_lives_in_the_test_folder()
    {
        Assert.True(File.Exists(Path.Combine(farm.DataRoot, "platform.db")));
        Assert.True(File.Exists(Path.Combine(farm.DataRoot, "wikis", "handbook", "wiki.db")));
        Assert.True(Repository.IsValid(Path.Combine(farm.DataRoot, "wikis", "recipes", "pages")));
    }

    [Fact]
    public async Task Same_page_name_in_two_wikis_holds_each_wikis_own_text()
    {
        await SaveAsync("handbook", "Shared", "handbook version");
        await SaveAsync("recipes", "Shared", "recipes version");
        var handbook = HttpExtensions.Article(await _alice.GetStringAsync("/w/handbook/pages/Shared"));
        var recipes = HttpExtensions.Article(await _alice.GetStringAsync("/w/recipes/pages/Shared"));
        Assert.Contains("handbook version", handbook);
        Assert.DoesNotContain("recipes", handbook);
        Assert.Contains("recipes version", recipes);
        Assert.DoesNotContain("handbook", recipes);
    }

    [Fact]
    public async Task A_page_saved_in_one_wiki_does_not_exist_in_the_other()
    {
        await SaveAsync("handbook", "OnlyHere", "only in the handbook");
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/w/handbook/pages/OnlyHere")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync("/w/recipes/pages/OnlyHere")).StatusCode);
    }

    [Fact]
    public async Task Every_save_is_a_git_commit_by_its_author_in_that_wikis_repository_only()
    {
        using var bob = farm.AsUser("bob", "bob@corp.example");
        await SaveAsync("handbook", "Committed", "first", bob);
        await SaveAsync("handbook", "Committed", "second", bob);
        using (var repository = new Repository(Path.Combine(farm.DataRoot, "wikis", "handbook", "pages")))
        {
            var tip = repository.Head.Tip;
            Assert.Equal("refs/heads/main", repository.Head.CanonicalName);
            Assert.Equal("bob", tip.Author.Name);
            Assert.Equal("bob@corp.example", tip.Author.Email);
            Assert.Equal("second", ((Blob)tip["Committed.md"].Target).GetContentText());
        }

        using (var other = new Repository(Path.Combine(farm.DataRoot, "wikis", "recipes", "pages")))
        {
            Assert.Null(other.Head.Tip["Committed.md"]);
        }
    }

    [Fact]
    public async Task History_lists_each_save_and_old_revisions_show_old_text()
    {
        await SaveAsync("recipes", "Soup", "soup v1");
        await SaveAsync("recipes", "Soup", "soup v2");
        var history = await _alice.GetStringAsync("/w/recipes/pages/Soup/history");
        var revisions = System.Text.RegularExpressions.Regex.Matches(history, "/w/recipes/pages/Soup/revisions/([0-9a-f]{40})").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, revisions.Count);
        Assert.Contains("soup v1", HttpExtensions.Article(await _alice.GetStringAsync($"/w/recipes/pages/Soup/revisions/{revisions[1]}")));
        Assert.Contains("soup v2", HttpExtensions.Article(await _alice.GetStringAsync($"/w/recipes/pages/Soup/revisions/{revisions[0]}")));
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"/w/handbook/pages/Soup/revisions/{revisions[0]}")).StatusCode);
        Assert.DoesNotContain("Soup", await _alice.GetStringAsync("/w/handbook/pages/Shared/history"));
    }

    [Fact]
    public async Task Preferences_belong_to_one_wiki()
    {
        var response = await _alice.PostFormAsync("/w/recipes/settings", ("siteName", "Grandma's Kitchen"), ("allowedTags", "p h1 em"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Grandma&#x27;s Kitchen", await _alice.GetStringAsync("/w/recipes/pages/Home"));
        var handbook = await _alice.GetStringAsync("/w/handbook/pages/Home");
        Assert.Contains("Team Handbook", handbook);
        Assert.DoesNotContain("Kitchen", handbook);
    }

    [Fact]
    public async Task Drafts_belong_to_one_wiki()
    {
        var response = await _alice.PostFormAsync("/w/handbook/pages/Plans/draft", ("text", "secret handbook draft"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("secret handbook draft", await _alice.GetStringAsync("/w/handbook/pages/Plans/edit"));
        Assert.DoesNotContain("secret handbook draft", await _alice.GetStringAsync("/w/recipes/pages/Plans/edit"));
    }

    [Fact]
    public async Task Contributors_belong_to_one_wiki()
    {
        await _alice.PostFormAsync("/w/handbook/settings/access", ("user", "carol"), ("access", "Write"));
        using var carol = farm.AsUser("carol", "carol@example.com");
        await SaveAsync("handbook", "ByCarol", "carol was here", carol);
        Assert.Contains("carol (carol@example.com)", await _alice.GetStringAsync("/w/handbook/settings"));
        Assert.DoesNotContain("carol", await _alice.GetStringAsync("/w/recipes/settings"));
    }

    [Fact]
    public async Task Drafts_and_rendered_html_are_rows_of_the_wikis_own_database_file()
    {
        await SaveAsync("handbook", "Stored", "# Stored\n\nrendered once");
        Assert.Contains("rendered once", await _alice.GetStringAsync("/w/handbook/pages/Stored"));
        await _alice.PostFormAsync("/w/handbook/pages/Stored/draft", ("text", "draft in the file"));

        using (var handbook = OpenWikiFile("handbook"))
        {
            Assert.Equal("draft in the file", handbook.Drafts.Single(d => d.Page == "Stored" && d.User == "alice").Text);
            Assert.Contains("rendered once", handbook.CacheEntries.Single(c => c.Page == "Stored").Html);
        }

        using var recipes = OpenWikiFile("recipes");
        Assert.False(recipes.Drafts.Any(d => d.Page == "Stored"));
        Assert.False(recipes.CacheEntries.Any(c => c.Page == "Stored"));
    }

    /// <summary>The wiki's database file read with the app's own EF model, from outside the app.</summary>
    private WikiDbContext OpenWikiFile(string wiki)
    {
        var path = Path.Combine(farm.DataRoot, "wikis", wiki, "wiki.db");
        return new WikiDbContext(new DbContextOptionsBuilder<WikiDbContext>().UseSqlite($"Data Source={path};Mode=ReadOnly;Pooling=False").Options);
    }

    [Fact]
    public async Task Saving_a_page_discards_the_authors_draft()
    {
        await _alice.PostFormAsync("/w/handbook/pages/Drafted/draft", ("text", "work in progress"));
        await SaveAsync("handbook", "Drafted", "published text");
        var edit = await _alice.GetStringAsync("/w/handbook/pages/Drafted/edit");
        Assert.DoesNotContain("work in progress", edit);
        Assert.Contains("published text", edit);
    }

    [Fact]
    public async Task Rendering_honours_each_wikis_allowed_tags()
    {
        const string text = "# Tags\n\n<mark>marked</mark> and <script>alert(1)</script> and [x](javascript:alert(1))";
        await SaveAsync("handbook", "Tags", text);
        await SaveAsync("recipes", "Tags", text);
        var handbook = HttpExtensions.Article(await _alice.GetStringAsync("/w/handbook/pages/Tags"));
        var recipes = HttpExtensions.Article(await _alice.GetStringAsync("/w/recipes/pages/Tags"));
        Assert.Contains("<mark>marked</mark>", handbook);   // the handbook allows <mark>
        Assert.DoesNotContain("<mark>", recipes);           // recipes does not
        Assert.Contains("marked", recipes);
        Assert.DoesNotContain("<script", handbook + recipes);
        Assert.DoesNotContain("javascript:", handbook + recipes);
    }

    [Fact]
    public async Task A_wiki_created_from_a_template_gets_its_pages_and_preferences_then_lives_apart()
    {
        await SaveAsync("handbook", "Policy", "template policy");
        var created = await _alice.PostFormAsync("/admin/wikis", ("slug", "handbook-copy"), ("title", "Copied Handbook"), ("template", "handbook"));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("template policy", await _alice.GetStringAsync("/w/handbook-copy/pages/Policy"));
        Assert.Contains("<mark>", HttpExtensions.Article(await _alice.GetStringAsync("/w/handbook-copy/pages/Home"))); // preferences came along
        await SaveAsync("handbook-copy", "Policy", "changed in the copy");
        Assert.Contains("template policy", await _alice.GetStringAsync("/w/handbook/pages/Policy"));
    }

    [Fact]
    public async Task An_archived_wiki_is_answered_404()
    {
        await _alice.PostFormAsync("/admin/wikis", ("slug", "old-news"), ("title", "Old News"), ("template", ""));
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/w/old-news/pages/Home")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.PostFormAsync("/admin/wikis/old-news/archive")).StatusCode);
        var response = await _alice.GetAsync("/w/old-news/pages/Home");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Unknown tenant", await response.Content.ReadAsStringAsync()); // archived looks unknown to everyone
    }
}
