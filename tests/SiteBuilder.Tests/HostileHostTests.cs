using Tenancy;

namespace SiteBuilder.Tests;

/// <summary>
/// Hosts a stranger can type: each one is refused (4xx) and none is served as some website's content. Sent as raw
/// bytes, because HttpClient would refuse to send several of them.
/// </summary>
[Collection(SiteCollection.Name)]
public sealed class HostileHostTests(SiteServer server)
{
    private static readonly string[] SiteContent = ["Acme Bakery", "Globex Corporation", "Initech", "Welcome to"];

    [Theory]
    [InlineData("nosuch.localhost", "/", 404)]                 // no such website
    [InlineData("a.acme.localhost", "/p/about", 404)]          // deeper than one label: names no website
    [InlineData("acme.localhost.evil.test", "/p/about", 404)]  // a parent domain that is not ours
    [InlineData("acme-bakery.test.evil.test", "/p/about", 404)] // a custom domain inside someone else's
    [InlineData("127.0.0.1", "/p/about", 404)]                 // an IP literal has no website
    [InlineData("pg-catalog.localhost", "/p/about", 404)]
    [InlineData("pg_catalog.localhost", "/p/about", 400)]      // not a valid website name (underscore, pg_ prefix)
    [InlineData("-acme.localhost", "/p/about", 400)]           // not a valid website name
    [InlineData("acme.localhost", "/s/globex/p/about", 400)]   // two websites named at once
    [InlineData("acme..localhost", "/p/about", 404)]           // an empty label: names no website
    [InlineData("acme.localhost/../globex", "/p/about", 400)]  // not a host name
    public async Task A_hostile_host_is_refused_and_serves_no_website(string host, string path, int expected)
    {
        var (status, response) = await server.RawGetAsync(host, path);
        Assert.Equal(expected, status);
        Assert.DoesNotContain(SiteContent, response.Contains);
    }

    [Fact]
    public async Task A_host_with_look_alike_characters_is_refused()
    {
        // A fullwidth full stop (U+FF0E) instead of '.': never folded into acme.localhost or acme-bakery.test.
        foreach (var host in new[] { "acme\uFF0Elocalhost", "www.acme-bakery\uFF0Etest" })
        {
            var (status, response) = await server.RawGetAsync(host, "/p/about");
            Assert.InRange(status, 400, 499);
            Assert.DoesNotContain(SiteContent, response.Contains);
        }
    }

    [Fact]
    public async Task Two_host_headers_are_refused()
    {
        var (status, response) = await server.RawAsync("GET /p/about HTTP/1.1\r\nHost: acme.localhost\r\nHost: globex.localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, status);
        Assert.DoesNotContain(SiteContent, response.Contains);
    }

    [Fact]
    public async Task An_archived_website_is_not_served()
    {
        using (server.Activate())
        {
            await Websites.CreateAsync("retired", "Retired Shop", null, CancellationToken.None);
            using var before = server.Client("retired.localhost");
            Assert.Contains("Welcome to Retired Shop.", (await before.GetPageAsync("/")).Body);
            await TenantContext.Configuration.GetPostgres().Catalog.ArchiveAsync("retired");
        }

        var (status, response) = await server.RawGetAsync("retired.localhost", "/");
        Assert.Equal(404, status);
        Assert.DoesNotContain("Retired Shop", response);
    }
}
