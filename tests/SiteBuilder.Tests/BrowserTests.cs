using Microsoft.Playwright;
using Tenancy;

namespace SiteBuilder.Tests;

/// <summary>The operator's path through the admin page in headless Chromium (Debian's package, driven by Playwright offline).</summary>
[Collection(SiteCollection.Name)]
public sealed class BrowserTests(SiteServer server)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Move_to_shard_on_the_admin_page_moves_the_website_and_its_pages_are_still_served()
    {
        Assert.True(File.Exists(Chromium),
            $"{Chromium} is missing, so the browser test cannot run. Install it: apt-get update && apt-get install -y chromium (.ci/run does this in CI).");
        using (server.Activate())
        {
            await Websites.CreateAsync("wanderer", "Wanderer Travel", "main", CancellationToken.None);
            await using (TenantContext.Enter("wanderer"))
            {
                await Websites.AddPageAsync("about", "About Wanderer Travel", "Trips since 1999.", CancellationToken.None);
            }
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        var site = server.Address.ToString().TrimEnd('/');

        await page.GotoAsync($"{site}/admin");
        var row = page.Locator("tr", new PageLocatorOptions { Has = page.Locator("td", new PageLocatorOptions { HasTextString = "wanderer" }) }).First;
        Assert.Equal("main", await row.Locator("td").Nth(2).InnerTextAsync());
        await row.Locator("select[name=shard]").SelectOptionAsync("shard-2");
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Move to shard" }).ClickAsync();
        await page.WaitForURLAsync($"{site}/admin/websites/wanderer/move");
        var report = await page.InnerTextAsync("p.moved");
        Assert.Contains("moved to shard shard-2", report);

        await page.ClickAsync("text=Back to the websites");
        await page.WaitForURLAsync($"{site}/admin");
        row = page.Locator("tr", new PageLocatorOptions { Has = page.Locator("td", new PageLocatorOptions { HasTextString = "wanderer" }) }).First;
        Assert.Equal("shard-2", await row.Locator("td").Nth(2).InnerTextAsync());

        await page.GotoAsync($"{site}/s/wanderer/p/about");
        Assert.Equal("About Wanderer Travel", await page.InnerTextAsync("main h1"));
        Assert.Contains("Trips since 1999.", await page.InnerTextAsync("main"));
        Assert.Equal(["1"], server.AsOwner($"SELECT count(*) FROM pages WHERE website_id = {server.KeyOf("wanderer")} AND slug = 'about'", server.SecondDatabase));
    }
}
