using System.Net;

namespace WikiFarm.Tests;

/// <summary>How a request finds its wiki and its user, and how it is refused.</summary>
public sealed class ResolutionTests(FarmServer farm) : IClassFixture<FarmServer>
{
    [Fact]
    public async Task Subdomain_in_the_host_header_names_the_wiki()
    {
        using var alice = farm.AsUser("alice");
        var (status, body) = await alice.GetAsync("/pages/Home", "recipes.wiki.test");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<title>Home · Recipes</title>", body);
    }

    [Fact]
    public async Task Path_prefix_names_the_wiki_and_links_keep_it()
    {
        using var alice = farm.AsUser("alice");
        var body = await alice.GetStringAsync("/w/handbook/pages/Home");
        Assert.Contains("<title>Home · Team Handbook</title>", body);
        Assert.Contains("href=\"/w/handbook/pages/Home/history\"", body);
    }

    [Fact]
    public async Task Wiki_header_from_the_trusted_proxy_names_the_wiki()
    {
        using var alice = farm.AsUser("alice");
        alice.DefaultRequestHeaders.Add("X-Wiki", "recipes");
        Assert.Contains("<title>Home · Recipes</title>", await alice.GetStringAsync("/pages/Home"));
    }

    [Fact]
    public async Task Wiki_header_from_an_untrusted_address_is_ignored()
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        stranger.DefaultRequestHeaders.Add("X-Wiki", "recipes");
        var response = await stranger.GetAsync("/pages/Home");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No tenant", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task User_header_from_an_untrusted_address_is_ignored()
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        stranger.DefaultRequestHeaders.Add("X-Forwarded-User", "alice");
        var response = await stranger.GetAsync("/w/handbook/pages/Home");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/w/handbook/login", response.Headers.Location!.OriginalString);
        var edit = await stranger.PostFormAsync("/w/handbook/pages/Home", ("text", "defaced"));
        Assert.Equal(HttpStatusCode.Redirect, edit.StatusCode);
        using var alice = farm.AsUser("alice");
        Assert.DoesNotContain("defaced", await alice.GetStringAsync("/w/handbook/pages/Home"));
    }

    [Fact]
    public async Task Unknown_wiki_is_answered_404_problem_details()
    {
        using var alice = farm.AsUser("alice");
        var response = await alice.GetAsync("/w/atlantis/pages/Home");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Unknown tenant", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/w/Bad..Name/pages/Home")]
    [InlineData("/w/..%2Fetc/pages/Home")]
    public async Task Invalid_wiki_name_is_answered_400_problem_details(string path)
    {
        using var alice = farm.AsUser("alice");
        var response = await alice.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Invalid tenant", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task User_without_access_is_answered_403()
    {
        using var mallory = farm.AsUser("mallory");
        var read = await mallory.GetAsync("/w/handbook/pages/Home");
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.DoesNotContain("<article", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await mallory.PostFormAsync("/w/handbook/pages/Home", ("text", "x"))).StatusCode);
    }

    [Fact]
    public async Task Reader_may_read_but_not_write()
    {
        using var bob = farm.AsUser("bob");
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/w/recipes/pages/Home")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync("/w/recipes/pages/Home/edit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostFormAsync("/w/recipes/pages/Home", ("text", "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync("/w/recipes/settings")).StatusCode);
    }

    [Fact]
    public async Task Only_farm_admins_create_wikis()
    {
        using var bob = farm.AsUser("bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostFormAsync("/admin/wikis", ("slug", "bobs"), ("title", "Bob's"))).StatusCode);
    }

    [Fact]
    public async Task Farm_index_runs_without_a_wiki()
    {
        using var alice = farm.AsUser("alice");
        var body = await alice.GetStringAsync("/");
        Assert.Contains("Team Handbook", body);
        Assert.Contains("Recipes", body);
    }
}
