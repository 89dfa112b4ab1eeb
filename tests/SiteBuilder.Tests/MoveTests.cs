using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Tenancy;
using Tenancy.Npgsql;
using Xunit.Abstractions;

namespace SiteBuilder.Tests;

/// <summary>
/// A website moved to the other shard through the admin page while clients read and write it and two other websites:
/// every response is its own website's, every acknowledged write is on the new shard afterwards, and no request fails
/// (requests that reach the website during the write fence wait for it). Bounded: 16 clients, at most 4,000 requests
/// and two minutes; the clients stop 150 requests after the move has answered.
/// </summary>
[Collection(SiteCollection.Name)]
public sealed class MoveTests(SiteServer server, ITestOutputHelper output)
{
    private sealed record Site(string Slug, string Title, string Shard);

    private static readonly Site Busy = new("busy", "Busy Bees Ltd", "main");      // the one that moves (to shard-2)
    private static readonly Site Steady = new("steady", "Steady State Co", "main"); // stays on main beside it
    private static readonly Site Remote = new("remote", "Remote Rangers", "shard-2"); // already on the target shard

    [Fact]
    public async Task A_website_moved_to_the_other_shard_under_load_loses_no_write_and_serves_no_other_websites_page()
    {
        Site[] sites = [Busy, Steady, Remote];
        await CreateAsync(sites);
        var busyKey = server.KeyOf(Busy.Slug);

        const int clients = 16;
        const int maxRequests = 4_000;
        const int afterMove = 150;
        var failed = new ConcurrentQueue<string>();
        var crossed = new ConcurrentQueue<string>();
        var pages = new ConcurrentQueue<(Site Site, string Slug)>();     // acknowledged: 302 to the new page
        var messages = new ConcurrentQueue<(Site Site, string Body)>();  // acknowledged: "Thank you"
        var started = 0;
        var completed = 0;
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var moved = -1; // the completed count when the move answered
        var busyAfterMove = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var http = sites.ToDictionary(s => s, s => server.Client(s.Slug + ".localhost"));
        try
        {
            var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(async () =>
            {
                for (var n = 0; ; n++)
                {
                    var i = Interlocked.Increment(ref started);
                    var stop = Volatile.Read(ref moved) is var m and >= 0 && Volatile.Read(ref completed) >= m + afterMove;
                    if (i > maxRequests || stop || timeout.IsCancellationRequested)
                    {
                        return;
                    }

                    var site = sites[(worker + n) % sites.Length];
                    var movedBefore = Volatile.Read(ref moved) >= 0;
                    try
                    {
                        await RequestAsync(http[site], site, worker, n, sites, failed, crossed, pages, messages, timeout.Token);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                    {
                        failed.Enqueue($"{site.Slug} #{worker}.{n}: {ex.GetType().Name}: {ex.Message}");
                    }

                    if (movedBefore && site == Busy)
                    {
                        Interlocked.Increment(ref busyAfterMove);
                    }

                    if (Interlocked.Increment(ref completed) == 100)
                    {
                        warmedUp.TrySetResult();
                    }
                }
            })).ToList();

            await warmedUp.Task.WaitAsync(timeout.Token);
            using var admin = server.Client("localhost");
            var clock = Stopwatch.StartNew();
            var (status, body, _) = await admin.PostFormAsync($"/admin/websites/{Busy.Slug}/move", ("shard", "shard-2"));
            output.WriteLine($"move answered {(int)status} after {clock.ElapsedMilliseconds} ms, {Volatile.Read(ref completed)} requests done");
            Volatile.Write(ref moved, Volatile.Read(ref completed));
            await Task.WhenAll(workers);
            Assert.True(status == HttpStatusCode.OK, $"the move answered {(int)status}: {body}");
            Assert.Contains("moved to shard <b>shard-2</b>", body);
        }
        finally
        {
            foreach (var client in http.Values)
            {
                client.Dispose();
            }
        }

        output.WriteLine($"{completed} requests; {pages.Count} pages and {messages.Count} messages acknowledged; {busyAfterMove} requests to busy after its move");
        Assert.Empty(failed);
        Assert.Empty(crossed);
        Assert.False(timeout.IsCancellationRequested, "the clients did not finish within two minutes");
        Assert.True(busyAfterMove > 0, "no request reached the moved website after its move");

        var record = await RecordAsync(Busy.Slug);
        Assert.Equal(("shard-2", PostgresIsolation.Rows, false), (record.Shard, record.Isolation, record.IsMoving));
        var busyOnMain = server.AsOwner($"SELECT (SELECT count(*) FROM pages WHERE website_id = {busyKey}) + (SELECT count(*) FROM messages WHERE website_id = {busyKey}) + (SELECT count(*) FROM websites WHERE id = {busyKey})");
        Assert.Equal(["0"], busyOnMain); // nothing of it is left on the source

        foreach (var site in sites)
        {
            var database = site == Steady ? server.MainDatabase : server.SecondDatabase;
            var key = server.KeyOf(site.Slug).ToString(CultureInfo.InvariantCulture);
            var stored = server.AsOwner($"SELECT slug FROM pages WHERE website_id = {key}", database).ToHashSet();
            Assert.Empty(pages.Where(p => p.Site == site && !stored.Contains(p.Slug)).Select(p => $"{site.Slug}/{p.Slug}")); // 0 lost writes
            var bodies = server.AsOwner($"SELECT body FROM messages WHERE website_id = {key}", database).ToHashSet();
            Assert.Empty(messages.Where(m => m.Site == site && !bodies.Contains(m.Body)).Select(m => $"{site.Slug}: {m.Body}"));
        }

        using var busy = server.Client(Busy.Slug + ".localhost");
        foreach (var (_, slug) in pages.Where(p => p.Site == Busy))
        {
            var (status, body) = await busy.GetPageAsync("/p/" + slug);
            Assert.True(status == HttpStatusCode.OK && body.Contains($"{Busy.Title} {slug}", StringComparison.Ordinal), $"busy/{slug}: {(int)status}");
        }
    }

    /// <summary>One request of a client: the home page, a new page, or a contact message; the response checked.</summary>
    private static async Task RequestAsync(HttpClient client, Site site, int worker, int n, Site[] sites,
        ConcurrentQueue<string> failed, ConcurrentQueue<string> crossed, ConcurrentQueue<(Site, string)> pages, ConcurrentQueue<(Site, string)> messages, CancellationToken cancellationToken)
    {
        var tag = string.Create(CultureInfo.InvariantCulture, $"w{worker}n{n}");
        using var request = (n % 3) switch
        {
            0 => new HttpRequestMessage(HttpMethod.Get, "/"),
            1 => Form("/edit/pages", ("slug", tag), ("title", $"{site.Title} {tag}"), ("body", "written under load")),
            _ => Form("/contact", ("name", "Load " + tag), ("email", tag + "@example.com"), ("body", $"{site.Slug} message {tag}")),
        };
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var expected = n % 3 == 1 ? HttpStatusCode.Redirect : HttpStatusCode.OK;
        if (response.StatusCode != expected)
        {
            failed.Enqueue($"{site.Slug} {request.Method} {request.RequestUri}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
        else if (n % 3 == 1)
        {
            pages.Enqueue((site, tag));
        }
        else if (!body.Contains(site.Title, StringComparison.Ordinal) || sites.Any(o => o != site && body.Contains(o.Title, StringComparison.Ordinal)))
        {
            crossed.Enqueue($"{site.Slug} {request.RequestUri}");
        }
        else if (n % 3 == 2)
        {
            messages.Enqueue((site, $"{site.Slug} message {tag}"));
        }
    }

    private static HttpRequestMessage Form(string path, params (string Key, string Value)[] fields) => new(HttpMethod.Post, path)
    {
        Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
    };

    private async Task CreateAsync(IEnumerable<Site> sites)
    {
        using (server.Activate())
        {
            foreach (var site in sites)
            {
                await Websites.CreateAsync(site.Slug, site.Title, site.Shard, CancellationToken.None);
            }
        }
    }

    private async Task<PostgresTenantRecord> RecordAsync(string slug)
    {
        using (server.Activate())
        {
            return (await TenantContext.Configuration.GetPostgres().Catalog.GetAsync(slug))!;
        }
    }
}
