using System.Net;

namespace SiteBuilder.Tests;

/// <summary>Websites found by host, their pages and forms, and what one website can never reach of another.</summary>
[Collection(SiteCollection.Name)]
public sealed class SiteTests(SiteServer server)
{
    [Fact]
    public async Task A_subdomain_serves_its_own_website()
    {
        using var acme = server.Client("acme.localhost");
        var (status, body) = await acme.GetPageAsync("/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<title>Acme Bakery · Acme Bakery</title>", body);
        Assert.DoesNotContain("Globex", body);
        Assert.Contains("Bread since 1952.", (await acme.GetPageAsync("/p/about")).Body);
    }

    [Fact]
    public async Task The_path_prefix_serves_the_website_and_its_links_keep_the_prefix()
    {
        using var platform = server.Client("localhost");
        var (status, body) = await platform.GetPageAsync("/s/globex/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Globex Corporation", body);
        Assert.Contains("href=\"/s/globex/p/about\"", body);
    }

    [Theory]
    [InlineData("acme-bakery.test")]
    [InlineData("www.acme-bakery.test")]
    [InlineData("shop.acme-bakery.test")]
    public async Task A_custom_domain_and_every_subdomain_of_it_serve_the_same_website(string host)
    {
        using var client = server.Client(host);
        var (status, body) = await client.GetPageAsync("/p/about");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("About Acme Bakery", body);
    }

    [Fact]
    public async Task A_page_of_one_website_does_not_exist_on_another()
    {
        using var acme = server.Client("acme.localhost");
        using var globex = server.Client("globex.localhost");
        var created = await acme.PostFormAsync("/edit/pages", ("slug", "acme-secret"), ("title", "Acme secret recipe"), ("body", "flour"));
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        Assert.Equal(HttpStatusCode.OK, (await acme.GetPageAsync("/p/acme-secret")).Status);
        var (status, body) = await globex.GetPageAsync("/p/acme-secret");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("flour", body);
        Assert.DoesNotContain("Acme secret recipe", (await globex.GetPageAsync("/edit")).Body);
    }

    [Fact]
    public async Task Another_websites_page_cannot_be_opened_changed_or_deleted_by_its_id()
    {
        var acme = server.KeyOf("acme");
        var id = server.AsOwner($"SELECT id FROM pages WHERE website_id = {acme} AND slug = 'about'").Single();
        using var initech = server.Client("initech.localhost");
        Assert.Equal(HttpStatusCode.NotFound, (await initech.GetPageAsync($"/edit/pages/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await initech.PostFormAsync($"/edit/pages/{id}", ("slug", "about"), ("title", "Defaced"), ("body", "defaced"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await initech.PostFormAsync($"/edit/pages/{id}/delete")).Status);
        Assert.Equal(["About Acme Bakery"], server.AsOwner($"SELECT title FROM pages WHERE website_id = {acme} AND id = {id}"));
    }

    [Fact]
    public async Task Pages_are_created_shown_changed_and_deleted()
    {
        using var initech = server.Client("initech.localhost");
        var created = await initech.PostFormAsync("/edit/pages", ("slug", "tps"), ("title", "TPS reports"), ("body", "Cover sheets.\n\nAlways."));
        Assert.Equal((HttpStatusCode.Redirect, "/p/tps"), (created.Status, created.Location));
        Assert.Contains("<p>Cover sheets.</p><p>Always.</p>", (await initech.GetPageAsync("/p/tps")).Body);

        var id = server.AsOwner($"SELECT id FROM pages WHERE website_id = {server.KeyOf("initech")} AND slug = 'tps'").Single();
        Assert.Equal(HttpStatusCode.Redirect, (await initech.PostFormAsync($"/edit/pages/{id}", ("slug", "tps"), ("title", "TPS reports v2"), ("body", "New cover sheets."))).Status);
        Assert.Contains("TPS reports v2", (await initech.GetPageAsync("/p/tps")).Body);

        Assert.Equal(HttpStatusCode.Redirect, (await initech.PostFormAsync($"/edit/pages/{id}/delete")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await initech.GetPageAsync("/p/tps")).Status);
    }

    [Fact]
    public async Task A_slug_is_unique_within_a_website_and_free_in_every_other()
    {
        using var acme = server.Client("acme.localhost");
        var duplicate = await acme.PostFormAsync("/edit/pages", ("slug", "about"), ("title", "Another about"), ("body", ""));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Contains("already has a page called", duplicate.Body);

        using var globex = server.Client("globex.localhost");
        var same = await globex.PostFormAsync("/edit/pages", ("slug", "menu"), ("title", "Globex menu"), ("body", "x"));
        var other = await acme.PostFormAsync("/edit/pages", ("slug", "menu"), ("title", "Acme menu"), ("body", "y"));
        Assert.Equal(HttpStatusCode.Redirect, same.Status);
        Assert.Equal(HttpStatusCode.Redirect, other.Status);
    }

    [Fact]
    public async Task A_contact_message_reaches_only_its_own_website()
    {
        using var globex = server.Client("globex.localhost");
        var sent = await globex.PostFormAsync("/contact", ("name", "Hank Scorpio"), ("email", "hank@example.com"), ("body", "Nice hammocks."));
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Contains("Nice hammocks.", (await globex.GetPageAsync("/edit")).Body);

        using var acme = server.Client("acme.localhost");
        Assert.DoesNotContain("Nice hammocks.", (await acme.GetPageAsync("/edit")).Body);
        Assert.Equal([server.KeyOf("globex").ToString(System.Globalization.CultureInfo.InvariantCulture)],
            server.AsOwner("SELECT DISTINCT website_id FROM messages WHERE body = 'Nice hammocks.'", server.SecondDatabase));
    }

    [Fact]
    public async Task A_form_posted_from_another_website_is_refused()
    {
        using var acme = server.Client("acme.localhost");
        acme.DefaultRequestHeaders.Add("Origin", $"http://globex.localhost:{server.Address.Port}");
        var (status, _, _) = await acme.PostFormAsync("/edit/pages", ("slug", "from-globex"), ("title", "x"), ("body", "x"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(server.AsOwner("SELECT slug FROM pages WHERE slug = 'from-globex'"));
    }

    [Fact]
    public async Task The_admin_page_lists_websites_with_their_shard_and_creates_new_ones()
    {
        using var platform = server.Client("localhost");
        var (status, body) = await platform.GetPageAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches(@"<td>acme</td><td>\d+</td><td>main</td><td>Rows</td>", body);
        Assert.Matches(@"<td>globex</td><td>\d+</td><td>shard-2</td><td>Rows</td>", body);

        var created = await platform.PostFormAsync("/admin/websites", ("slug", "hooli"), ("title", "Hooli"), ("shard", "shard-2"));
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        using var hooli = server.Client("hooli.localhost");
        Assert.Contains("Welcome to Hooli.", (await hooli.GetPageAsync("/")).Body);
        Assert.Equal(HttpStatusCode.Conflict, (await platform.PostFormAsync("/admin/websites", ("slug", "hooli"), ("title", "Hooli again"), ("shard", "main"))).Status);
    }

    [Fact]
    public async Task The_admin_page_does_not_exist_on_a_websites_host()
    {
        using var acme = server.Client("acme.localhost");
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetPageAsync("/admin")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostFormAsync("/admin/websites", ("slug", "planted"), ("title", "x"))).Status);
    }
}
