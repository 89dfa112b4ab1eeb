using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace WikiFarm.Tests;

/// <summary>A farm in the Production environment behind a trusted proxy: none of the development conveniences.</summary>
public sealed class ProductionFarm() : FarmServer("Production", ("WikiFarm:FarmAdmins", "root"));

/// <summary>WikiFarm started with <c>ASPNETCORE_ENVIRONMENT=Production</c> behind its trusted proxy (issue 15's "done when").</summary>
public sealed class ProductionTests(ProductionFarm farm) : IClassFixture<ProductionFarm>
{
    [Fact]
    public async Task There_is_no_password_less_sign_in_and_the_sign_in_page_says_so()
    {
        using var stranger = farm.CreateClientFrom(FarmServer.Stranger);
        var page = await stranger.GetStringAsync("/login");
        Assert.DoesNotContain("<form method=\"post\"", page);
        Assert.Contains("no password-less development login", page);
        var post = await stranger.PostFormAsync("/login", ("user", "alice"), ("email", "alice@example.com"));
        Assert.False(post.IsSuccessStatusCode || post.StatusCode == HttpStatusCode.Redirect, $"POST /login answered {(int)post.StatusCode}");
        Assert.False(post.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task No_demo_wikis_or_demo_admin_are_seeded()
    {
        Assert.DoesNotContain(await farm.Services.GetRequiredService<Platform>().ListWikisAsync(CancellationToken.None), w => w.Slug is "handbook" or "recipes");
        Assert.Null(farm.Services.GetRequiredService<Platform>().FindUser("bob"));
        using var alice = farm.AsUser("alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PostFormAsync("/admin/wikis", ("slug", "mine"), ("title", "Mine"))).StatusCode);
    }

    [Fact]
    public async Task A_farm_admin_without_an_email_creates_a_wiki_and_saves_pages_and_cross_site_writes_are_refused()
    {
        using var root = farm.AsUserWithoutEmail("root");
        var origin = farm.Address.GetLeftPart(UriPartial.Authority);
        Assert.Equal(HttpStatusCode.Redirect, (await root.PostFormFromAsync(origin, "/admin/wikis", ("slug", "ops"), ("title", "Ops"), ("template", ""))).StatusCode);
        var saved = await root.PostFormFromAsync(origin, "/w/ops/pages/Runbook", ("text", "restart it"));
        Assert.True(saved.StatusCode == HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync());
        Assert.Contains("restart it", await root.GetStringAsync("/w/ops/pages/Runbook"));
        Assert.Equal(HttpStatusCode.Forbidden, (await root.PostFormFromAsync("http://evil.example", "/w/ops/pages/Runbook", ("text", "defaced"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await root.PostFormAsync("/admin/wikis/nowhere/archive")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await root.GetAsync("/w/ops/pages/Runbook/revisions/HEAD~1")).StatusCode);
    }

    [Theory]
    [InlineData("WikiFarm:DevelopmentLogin")]
    [InlineData("WikiFarm:SeedDemoWikis")]
    public void A_development_convenience_turned_on_in_production_stops_the_start(string key)
    {
        var error = Assert.ThrowsAny<Exception>(() => new FarmServer("Production", (key, "true")).Dispose());
        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains(key, messages);
        Assert.Contains("Development", messages);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }
}
