using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LibGit2Sharp;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tenancy;

namespace WikiFarm.Tests;

/// <summary>WikiFarm as a stranger or a careless operator meets it (issue 15): each test is one finding, on a real Kestrel server.</summary>
public sealed class SecurityTests(FarmServer farm) : IClassFixture<FarmServer>
{
    private const string Evil = "http://evil.example";

    private readonly HttpClient _alice = farm.AsUser("alice");

    private string Own => farm.Address.GetLeftPart(UriPartial.Authority);

    private Platform Platform => farm.Services.GetRequiredService<Platform>();

    private async Task CreateWikiAsync(string slug, string? template = null)
    {
        var created = await _alice.PostFormAsync("/admin/wikis", ("slug", slug), ("title", slug), ("template", template ?? ""));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
    }

    private async Task SaveAsync(string wiki, string page, string text, HttpClient? client = null)
    {
        var response = await (client ?? _alice).PostFormAsync($"/w/{wiki}/pages/{page}", ("text", text), ("message", $"save {page}"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    // --- CSRF -------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_cross_site_form_through_the_trusted_proxy_changes_nothing()
    {
        var create = await _alice.PostFormFromAsync(Evil, "/admin/wikis", ("slug", "csrf-made"), ("title", "x"), ("template", ""));
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Null(await Platform.FindWikiAsync("csrf-made", CancellationToken.None));

        var grant = await _alice.PostFormFromAsync("null", "/w/handbook/settings/access", ("user", "mallory"), ("access", "Admin"));
        Assert.Equal(HttpStatusCode.Forbidden, grant.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/w/handbook/pages/Home")
        {
            Content = new FormUrlEncodedContent([new("text", "defaced")]),
            Headers = { { "Sec-Fetch-Site", "cross-site" } },
        };
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.SendAsync(request)).StatusCode);
        Assert.DoesNotContain("mallory", string.Join(",", Platform.GetAcl("handbook")));
        Assert.DoesNotContain("defaced", await _alice.GetStringAsync("/w/handbook/pages/Home"));
    }

    [Fact]
    public async Task A_form_from_the_farms_own_page_is_accepted()
    {
        var saved = await _alice.PostFormFromAsync(Own, "/w/handbook/pages/SameOrigin", ("text", "from our own page"));
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        using var proxied = farm.AsUser("alice");
        proxied.DefaultRequestHeaders.Add("X-Forwarded-Host", "wiki.example.org");
        proxied.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        Assert.Equal(HttpStatusCode.Redirect, (await proxied.PostFormFromAsync("https://wiki.example.org", "/w/handbook/pages/Proxied", ("text", "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxied.PostFormFromAsync(Own, "/w/handbook/pages/Proxied", ("text", "x"))).StatusCode);
    }

    [Fact]
    public async Task A_cross_site_sign_in_form_is_refused()
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        var response = await stranger.PostFormFromAsync(Evil, "/login", ("user", "alice"), ("email", ""));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    // --- e-mail addresses ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_user_without_an_email_address_can_save_a_page()
    {
        _ = await _alice.PostFormAsync("/w/handbook/settings/access", ("user", "erin"), ("access", "Write"));
        using var erin = farm.AsUserWithoutEmail("erin");
        await SaveAsync("handbook", "ByErin", "erin has no e-mail", erin);
        using var repository = new Repository(Path.Combine(farm.DataRoot, "wikis", "handbook", "pages"));
        var tip = repository.Head.Tip;
        Assert.Equal("erin", tip.Author.Name);
        Assert.Equal(PageStore.NoEmail, tip.Author.Email);
    }

    [Fact]
    public async Task A_proxy_that_sends_no_email_keeps_the_known_one()
    {
        using (var dana = farm.AsUser("dana", "dana@corp.example"))
        {
            await dana.GetAsync("/");
        }

        using (var again = farm.AsUserWithoutEmail("dana"))
        {
            await again.GetAsync("/");
        }

        Assert.Equal("dana@corp.example", Platform.FindUser("dana")!.Email);
    }

    [Fact]
    public async Task An_admin_without_an_email_address_creates_a_whole_wiki()
    {
        using var root = farm.AsUserWithoutEmail("alice");
        var created = await root.PostFormAsync("/admin/wikis", ("slug", "no-mail"), ("title", "No mail"), ("template", ""));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("Welcome", await root.GetStringAsync("/w/no-mail/pages/Home"));
    }

    [Fact]
    public async Task A_wiki_whose_creation_fails_is_not_left_half_made_and_a_retry_works()
    {
        var platform = Platform;
        var bad = new FarmUser("bad<owner>", "x@example.com", IsFarmAdmin: true); // git refuses this author: the first commit fails
        using (farm.Services.GetRequiredService<Tenancy.AspNetCore.TenantContextHost>().Activate())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Farm.CreateWikiAsync(platform, "half-made", "Half", null, bad, CancellationToken.None));
        }

        Assert.Null(await platform.FindWikiAsync("half-made", CancellationToken.None));
        Assert.Empty(platform.GetAcl("half-made"));
        await CreateWikiAsync("half-made");
        Assert.Contains("Welcome", await _alice.GetStringAsync("/w/half-made/pages/Home"));
    }

    // --- ACL ------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_wiki_created_again_under_a_deleted_wikis_name_inherits_no_grants()
    {
        await CreateWikiAsync("reborn");
        _ = await _alice.PostFormAsync("/w/reborn/settings/access", ("user", "bob"), ("access", "Write"));
        using var bob = farm.AsUser("bob");
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/w/reborn/pages/Home")).StatusCode);

        // deleted by another tool (tenantctl), through the catalog: the farm's ACL rows stay behind
        Assert.True(await farm.WithTenants(c => c.Catalog!.DeleteAsync("reborn")));
        await CreateWikiAsync("reborn");
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync("/w/reborn/pages/Home")).StatusCode);
        Assert.Equal(["alice"], Platform.GetAcl("reborn").Select(a => a.User));
    }

    [Fact]
    public async Task Deleting_a_wiki_from_the_farm_removes_its_grants()
    {
        await CreateWikiAsync("doomed");
        _ = await _alice.PostFormAsync("/w/doomed/settings/access", ("user", "bob"), ("access", "Read"));
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.PostFormAsync("/admin/wikis/doomed/delete")).StatusCode);
        Assert.Empty(Platform.GetAcl("doomed"));
        Assert.Null(await Platform.FindWikiAsync("doomed", CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync("/w/doomed/pages/Home")).StatusCode);
    }

    // --- size ------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_page_over_the_size_cap_is_answered_413_and_not_saved()
    {
        var response = await _alice.PostFormAsync("/w/handbook/pages/Huge", ("text", new string('x', PageStore.MaxPageBytes + 1)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync("/w/handbook/pages/Huge")).StatusCode);
    }

    [Fact]
    public async Task A_multipart_form_is_held_to_the_same_limits()
    {
        // The farm refuses this body by its declared length, without reading it, and the server then closes the connection
        // rather than read 1.5 MB it will not use. Sent with "Expect: 100-continue" the client waits for the answer before it
        // sends the body, so it reads the 413; should it start sending anyway (its wait is one second), the refused body is cut
        // off by the close. Either way the form was refused, and the page must not exist.
        using var content = new MultipartFormDataContent { { new StringContent(new string('x', 2 * Forms.MaxBodyBytes)), "text" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/w/handbook/pages/HugeMultipart") { Content = content };
        request.Headers.ExpectContinue = true;
        try
        {
            var response = await _alice.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            // the connection was closed under the refused body: refused, as the 413 says
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync("/w/handbook/pages/HugeMultipart")).StatusCode);

        using var many = new MultipartFormDataContent();
        for (int i = 0; i < Forms.MaxValues + 1; i++)
        {
            many.Add(new StringContent("v"), $"k{i}");
        }

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _alice.PostAsync("/w/handbook/pages/ManyValues", many)).StatusCode);
    }

    [Fact]
    public async Task An_old_revision_over_the_cap_is_not_rendered()
    {
        await CreateWikiAsync("big-old");
        string revision;
        using (var store = new PageStore(Path.Combine(farm.DataRoot, "wikis", "big-old", "pages")))
        {
            revision = store.Save("Legacy", "# big\n\n" + new string('*', 4 * PageStore.MaxPageBytes), "alice", "alice@example.com", "saved before the cap");
        }

        var old = await _alice.GetAsync($"/w/big-old/pages/Legacy/revisions/{revision}");
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        var body = await old.Content.ReadAsStringAsync();
        Assert.Contains("not shown", body);
        Assert.True(body.Length < PageStore.MaxPageBytes, "the page's text was sent");
    }

    // --- sanitizer and render cache --------------------------------------------------------------------------------------

    [Fact]
    public async Task A_wiki_admin_cannot_allow_tags_outside_the_safe_set()
    {
        await CreateWikiAsync("tags");
        _ = await _alice.PostFormAsync("/w/tags/settings", ("siteName", "Tags"), ("allowedTags", "p mark base embed form plaintext object input"));
        await SaveAsync("tags", "Hostile", """
            <base href="http://evil.example/">
            <embed src="http://evil.example/x.swf"><form action="http://evil.example/"><input name="q"></form>
            <mark>kept</mark>
            <plaintext>
            """);
        var article = HttpExtensions.Article(await _alice.GetStringAsync("/w/tags/pages/Hostile"));
        Assert.Contains("<mark>kept</mark>", article);
        foreach (var tag in new[] { "<base", "<embed", "<form", "<input", "<plaintext" })
        {
            Assert.DoesNotContain(tag, article);
        }

        var stored = Between(await _alice.GetStringAsync("/w/tags/settings"), "name=\"allowedTags\"", ">");
        Assert.Contains("mark", stored);
        Assert.DoesNotContain("base", stored);
    }

    [Fact]
    public async Task Html_rendered_under_old_preferences_is_not_served_under_new_ones()
    {
        await CreateWikiAsync("prefs");
        await SaveAsync("prefs", "Marked", "<mark>hi</mark>");
        Assert.DoesNotContain("<mark>", HttpExtensions.Article(await _alice.GetStringAsync("/w/prefs/pages/Marked"))); // cached without mark

        // New preferences written while a render under the old ones was in flight (its cache row lands after the save
        // emptied the cache): written straight into the wiki's file, cache untouched.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(farm.DataRoot, "wikis", "prefs", "wiki.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO Preferences (Key, Value) VALUES ('allowed_tags', 'p mark')";
            command.ExecuteNonQuery();
        }

        Assert.Contains("<mark>hi</mark>", HttpExtensions.Article(await _alice.GetStringAsync("/w/prefs/pages/Marked")));
    }

    // --- templates ----------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_wiki_made_from_a_template_gets_none_of_its_drafts_or_contributors()
    {
        await CreateWikiAsync("tpl-source");
        await SaveAsync("tpl-source", "Public", "public text");
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.PostFormAsync("/w/tpl-source/pages/Plans/draft", ("text", "private draft of alice"))).StatusCode);
        _ = await _alice.PostFormAsync("/w/tpl-source/settings/access", ("user", "carol"), ("access", "Write"));
        using (var carol = farm.AsUser("carol", "carol@secret.example"))
        {
            await SaveAsync("tpl-source", "ByCarol", "carol's page", carol);
        }

        await CreateWikiAsync("tpl-copy", template: "tpl-source");
        Assert.Contains("public text", await _alice.GetStringAsync("/w/tpl-copy/pages/Public"));
        Assert.DoesNotContain("private draft", await _alice.GetStringAsync("/w/tpl-copy/pages/Plans/edit"));
        Assert.DoesNotContain("carol@secret.example", await _alice.GetStringAsync("/w/tpl-copy/settings"));
        SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(Path.Combine(farm.DataRoot, "wikis", "tpl-copy"), "wiki.db*");
        var bytes = string.Concat(files.Select(f => Encoding.Latin1.GetString(ReadShared(f))));
        Assert.DoesNotContain("private draft of alice", bytes);
        Assert.DoesNotContain("carol@secret.example", bytes);
    }

    // --- bad input: 4xx, never 500 ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("HEAD~1")]
    [InlineData("main@%7B0%7D")]
    [InlineData("a")]
    [InlineData("HEAD")]
    [InlineData("ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD")]
    public async Task A_revision_is_a_commit_id_and_nothing_else(string revision)
    {
        var response = await _alice.GetAsync($"/w/handbook/pages/Home/revisions/{revision}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_answered_4xx_never_500()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.PostFormAsync("/admin/wikis/atlantis/archive")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.PostFormAsync("/admin/wikis/Bad..Name/archive")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _alice.PostFormAsync("/admin/wikis", ("slug", "fresh"), ("title", "F"), ("template", "atlantis"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _alice.PostFormAsync("/admin/wikis", ("slug", "fresh"), ("title", "F"), ("template", "../etc"))).StatusCode);
        Assert.Null(await Platform.FindWikiAsync("fresh", CancellationToken.None));

        using var json = new StringContent("{\"text\":\"x\"}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _alice.PostAsync("/w/handbook/pages/Json", json)).StatusCode);
        using var none = new ByteArrayContent([]);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _alice.PostAsync("/admin/wikis", none)).StatusCode);
    }

    [Theory]
    [InlineData("/\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("http://evil.example")]
    public async Task Sign_in_never_redirects_to_another_site(string returnUrl)
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        var response = await stranger.PostFormAsync("/login", ("user", "bob"), ("email", "bob@example.com"), ("returnUrl", returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    // --- enumeration -------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_index_names_no_wiki_to_a_stranger_and_archived_ones_only_to_farm_admins()
    {
        await CreateWikiAsync("shelved");
        _ = await _alice.PostFormAsync("/w/shelved/settings/access", ("user", "bob"), ("access", "Read"));
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.PostFormAsync("/admin/wikis/shelved/archive")).StatusCode);

        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        var anonymous = await stranger.GetStringAsync("/");
        Assert.DoesNotContain("handbook", anonymous);
        Assert.DoesNotContain("shelved", anonymous);
        using var bob = farm.AsUser("bob");
        var bobs = await bob.GetStringAsync("/");
        Assert.Contains("Team Handbook", bobs);
        Assert.DoesNotContain("shelved", bobs);
        Assert.Contains("shelved", await _alice.GetStringAsync("/"));
    }

    [Fact]
    public async Task An_archived_wiki_cannot_be_told_from_an_unknown_one()
    {
        await CreateWikiAsync("hidden");
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.PostFormAsync("/admin/wikis/hidden/archive")).StatusCode);
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        var archived = await stranger.GetAsync("/w/hidden/pages/Home");
        var unknown = await stranger.GetAsync("/w/hiddex/pages/Home");
        Assert.Equal(unknown.StatusCode, archived.StatusCode);
        Assert.Equal(
            (await unknown.Content.ReadAsStringAsync()).Replace("hiddex", "NAME", StringComparison.Ordinal),
            (await archived.Content.ReadAsStringAsync()).Replace("hidden", "NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_naming_two_wikis_is_refused()
    {
        var (status, body) = await _alice.GetAsync("/w/recipes/pages/Home", "handbook.wiki.test");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("Team Handbook", body);
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/w/handbook/pages/Home", "handbook.wiki.test")).Status);
    }

    // --- user names and access levels ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Several_users_from_the_proxy_are_refused()
    {
        using var proxy = farm.CreateClientFrom(FarmServer.TrustedProxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/w/handbook/pages/Home");
        request.Headers.TryAddWithoutValidation("X-Forwarded-User", ["alice", "bob"]);
        var response = await proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(Platform.FindUser("alice, bob"));
        Assert.Null(Platform.FindUser("alice,bob"));
    }

    [Theory]
    [InlineData("alice\u200b")]      // zero-width space
    [InlineData("\u0430lice")]       // Cyrillic a
    [InlineData("al ice")]
    [InlineData("alice\u00ad")]      // soft hyphen
    public async Task Invisible_and_look_alike_user_names_are_refused(string name)
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        Assert.Equal(HttpStatusCode.BadRequest, (await stranger.PostFormAsync("/login", ("user", name), ("email", ""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _alice.PostFormAsync("/w/handbook/settings/access", ("user", name), ("access", "Write"))).StatusCode);
        Assert.Null(Platform.FindUser(name));
    }

    [Theory]
    [InlineData("99")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("Read,Admin")]
    public async Task Only_named_access_levels_are_granted(string access)
    {
        var response = await _alice.PostFormAsync("/w/handbook/settings/access", ("user", "grantee"), ("access", access));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(Platform.GetAcl("handbook"), a => a.User == "grantee");
    }

    // --- start-up -------------------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_host_name_as_trusted_proxy_stops_the_start_with_a_clear_error()
    {
        var error = Assert.ThrowsAny<Exception>(() => new FarmServer("Development", ("WikiFarm:TrustedProxies", "localhost")).Dispose());
        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains("WikiFarm:TrustedProxies", messages);
        Assert.Contains("\"localhost\" is not an IP address", messages);
        Assert.DoesNotContain(Chain(error), e => e is FormatException);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        int to = from < 0 ? -1 : text.IndexOf(end, from + start.Length, StringComparison.Ordinal);
        return from < 0 || to < 0 ? "" : text[from..to];
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
