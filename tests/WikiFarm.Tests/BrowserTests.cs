using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace WikiFarm.Tests;

/// <summary>A person's path through WikiFarm in headless Chromium (Debian's package, driven by Playwright offline).</summary>
public sealed class BrowserTests(FarmServer farm) : IClassFixture<FarmServer>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Signing_in_editing_a_page_and_saving_shows_it_rendered()
    {
        Assert.True(File.Exists(Chromium),
            $"{Chromium} is missing, so the browser test cannot run. Install it: apt-get update && apt-get install -y chromium (.ci/run does this in CI).");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 760 } });
        var site = farm.Address.ToString().TrimEnd('/');

        await page.GotoAsync($"{site}/w/handbook/pages/Welcome/edit");
        Assert.EndsWith("/w/handbook/login?returnUrl=%2Fw%2Fhandbook%2Fpages%2FWelcome%2Fedit", page.Url); // not signed in yet
        await page.FillAsync("input[name=user]", "bob");
        await page.FillAsync("input[name=email]", "bob@example.com");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync($"{site}/w/handbook/pages/Welcome/edit");

        await page.FillAsync("textarea[name=text]", """
            # Welcome aboard

            Edited **in Chromium** by Bob. This wiki allows <mark>highlights</mark>.

            | Step | Who |
            |------|-----|
            | Read the [handbook](Home) | everyone |
            | Ship something | you |
            """);
        await page.FillAsync("input[name=message]", "Welcome page from the browser test");
        await page.ClickAsync("#save");
        await page.WaitForURLAsync($"{site}/w/handbook/pages/Welcome");

        Assert.Equal("Welcome aboard", await page.InnerTextAsync("article h1"));
        Assert.Equal("in Chromium", await page.InnerTextAsync("article strong"));
        Assert.Equal("highlights", await page.InnerTextAsync("article mark"));
        Assert.Equal("Team Handbook", await page.InnerTextAsync("header .site"));

        await page.ClickAsync("text=History");
        Assert.Contains("Welcome page from the browser test", await page.InnerTextAsync("table"));
        await page.GoBackAsync();

        if (Environment.GetEnvironmentVariable("WIKIFARM_SCREENSHOT") == "1")
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(), FullPage = true });
        }
    }

    /// <summary>samples/WikiFarm/screenshot.png in this checkout.</summary>
    private static string ScreenshotPath([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "samples", "WikiFarm", "screenshot.png"));
}
