using Tenancy;
using Tenancy.AspNetCore;

namespace SiteBuilder;

/// <summary>The demo websites (Development, or <c>SiteBuilder:Seed=true</c>): created when missing, spread over the shards.</summary>
public static class Seed
{
    private static readonly (string Slug, string Title, string? Domain, string About)[] Sites =
    [
        ("acme", "Acme Bakery", "acme-bakery.test", "Bread since 1952."),
        ("globex", "Globex Corporation", null, "Globex makes everything."),
        ("initech", "Initech", null, "Initech writes software."),
    ];

    public static async Task RunAsync(WebApplication app)
    {
        // Before the host starts nothing has made its configuration process-wide yet, and the tests run several servers in
        // one process (only the first one's is process-wide): activate this host's own.
        using var active = app.Services.GetRequiredService<TenantContextHost>().Activate();
        var catalog = TenantContext.Configuration.GetPostgres().Catalog;
        var shards = TenantContext.Configuration.GetPostgres().Options.Shards.Keys.ToList();
        var domains = app.Services.GetRequiredService<SiteDomains>();
        for (var i = 0; i < Sites.Length; i++)
        {
            var (slug, title, domain, about) = Sites[i];
            if (await catalog.GetAsync(slug) is not null)
            {
                continue;
            }

            await Websites.CreateAsync(slug, title, shards[i % shards.Count], CancellationToken.None);
            await using (TenantContext.Enter(slug))
            {
                await Websites.AddPageAsync("about", "About " + title, about, CancellationToken.None);
            }

            if (domain is not null)
            {
                await domains.AddAsync(slug, domain, CancellationToken.None);
            }
        }
    }
}
