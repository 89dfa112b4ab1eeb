using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace WikiFarm.Tests;

/// <summary>
/// 20,000 page views across 50 wikis, 32 at a time, on loopback, half by subdomain and half by path prefix: no response
/// may carry another wiki's content. Prints p50/p99 latency and throughput, and the server's own time split per request
/// (resolution, farm database, EF, git, render: the <c>Server-Timing</c> header the test farm sends).
/// </summary>
public sealed partial class LoadTests(FarmServer farm, ITestOutputHelper output) : IClassFixture<FarmServer>
{
    private const int Wikis = 50;
    private const int Requests = 20_000;
    private const int Concurrency = 32;

    [GeneratedRegex("load-[0-9]{2}")]
    private static partial Regex WikiMarker();

    [Fact]
    public async Task Twenty_thousand_requests_across_fifty_wikis_never_cross()
    {
        using var alice = farm.AsUser("alice");
        var slugs = Enumerable.Range(0, Wikis).Select(i => $"load-{i:00}").ToArray();
        foreach (var slug in slugs)
        {
            var created = await alice.PostFormAsync("/admin/wikis", ("slug", slug), ("title", $"Wiki {slug}"), ("template", ""));
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // bounded in time as well as in count
        var latencies = new double[Requests];
        var stages = new[] { "resolve", "farm", "ef", "git", "render", "total" };
        var split = stages.ToDictionary(stage => stage, _ => new double[Requests]); // the server's own time split per request
        var crossed = new ConcurrentQueue<string>();
        int next = -1;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Requests)
            {
                var slug = slugs[(i * 7) % Wikis];
                using var request = i % 2 == 0
                    ? new HttpRequestMessage(HttpMethod.Get, $"/w/{slug}/pages/Home")
                    : new HttpRequestMessage(HttpMethod.Get, "/pages/Home") { Headers = { Host = $"{slug}.wiki.test" } };
                long started = Stopwatch.GetTimestamp();
                using var response = await alice.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.Headers.TryGetValues("Server-Timing", out var timing))
                {
                    foreach (var part in string.Join(',', timing).Split(',', StringSplitOptions.TrimEntries))
                    {
                        var pieces = part.Split(";dur=");
                        if (pieces.Length == 2 && split.TryGetValue(pieces[0], out var values))
                        {
                            values[i] = double.Parse(pieces[1], System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }

                var seen = WikiMarker().Matches(body).Select(m => m.Value).Distinct().ToList();
                if (response.StatusCode != HttpStatusCode.OK || seen.Count != 1 || seen[0] != slug)
                {
                    crossed.Enqueue($"request {i} for {slug}: {(int)response.StatusCode}, saw [{string.Join(", ", seen)}]");
                }
            }
        }, timeout.Token)).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();

        Array.Sort(latencies);
        var summary = $"WikiFarm load: {Requests:N0} requests, {Wikis} wikis, {Concurrency} concurrent, loopback: " +
                      $"p50 {latencies[Requests / 2]:F2} ms, p99 {latencies[(int)(Requests * 0.99)]:F2} ms, " +
                      $"{Requests / clock.Elapsed.TotalSeconds:N0} requests/s ({clock.Elapsed.TotalSeconds:F1} s), cross-wiki responses: {crossed.Count}";
        var server = "WikiFarm load, server time per request (median / mean, ms): " + string.Join(", ", stages.Select(stage =>
        {
            var values = split[stage];
            var mean = values.Average();
            Array.Sort(values);
            return $"{stage} {values[Requests / 2]:F3} / {mean:F3}";
        }));
        output.WriteLine(summary);
        output.WriteLine(server);
        Console.WriteLine(summary);
        Console.WriteLine(server);
        Assert.True(crossed.IsEmpty, $"{crossed.Count} responses carried another wiki's content or failed, e.g. {string.Join("; ", crossed.Take(5))}");
    }
}
