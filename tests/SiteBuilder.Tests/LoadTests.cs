using System.Collections.Concurrent;
using System.Net;

namespace SiteBuilder.Tests;

/// <summary>
/// Many websites at once through one pool of contexts per shard: every response is its own website's (a context or
/// connection re-pointed wrongly would show another website's title). Bounded: 900 requests, 24 at a time, on loopback.
/// </summary>
[Collection(SiteCollection.Name)]
public sealed class LoadTests(SiteServer server)
{
    private static readonly (string Host, string Path, string Title)[] Targets =
    [
        ("acme.localhost", "/p/about", "About Acme Bakery"),
        ("globex.localhost", "/p/about", "About Globex Corporation"),
        ("initech.localhost", "/p/about", "About Initech"),
        ("localhost", "/s/globex/p/about", "About Globex Corporation"),
        ("www.acme-bakery.test", "/p/about", "About Acme Bakery"),
    ];

    [Fact]
    public async Task Concurrent_requests_to_many_websites_each_get_their_own_website()
    {
        const int requests = 900;
        var clients = Targets.Select(t => server.Client(t.Host)).ToArray();
        var failed = new ConcurrentBag<string>();
        var crossed = new ConcurrentBag<string>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 24, CancellationToken = timeout.Token }, async (i, ct) =>
            {
                var t = i % Targets.Length;
                using var response = await clients[t].GetAsync(Targets[t].Path, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failed.Add($"{Targets[t].Host}{Targets[t].Path}: {(int)response.StatusCode}");
                }
                else if (!body.Contains(Targets[t].Title, StringComparison.Ordinal)
                         || Targets.Where(o => o.Title != Targets[t].Title).Any(o => body.Contains(o.Title, StringComparison.Ordinal)))
                {
                    crossed.Add($"{Targets[t].Host}{Targets[t].Path}");
                }
            });
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        Assert.Empty(failed);
        Assert.Empty(crossed);
    }
}
