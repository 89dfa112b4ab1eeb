using System.Collections.Concurrent;
using Npgsql;
using Xunit.Abstractions;

namespace Tenancy.Npgsql.Tests;

/// <summary>The load: 1,000 concurrent clients of ten tenants reading and writing while one of them moves online.</summary>
public sealed class MoveManyClientsTests(ITestOutputHelper output)
{
    private const int Clients = 1_000;
    private const int Tenants = 10;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_thousand_clients_during_an_online_move_lose_no_write_read_no_other_tenants_row_and_see_no_error()
    {
        await using var env = await MoveEnv.CreateAsync();
        var tenants = Enumerable.Range(0, Tenants).Select(i => i == 0 ? "acme" : $"t{i}").ToArray();
        foreach (var t in tenants)
        {
            await env.CreateWithDataAsync(t, pages: 5);
        }

        await using var configuration = TenantConfiguration.Build(b => b.UsePostgres(env.Configure));
        using var active = TenantContext.UseConfiguration(configuration);

        var acked = new ConcurrentDictionary<long, string>();
        var errors = new ConcurrentQueue<string>();
        long nextId = 1_000_000, reads = 0, foreign = 0;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var tenant = tenants[client % Tenants];
            var random = new Random(client);
            using (TenantContext.Enter(tenant))
            {
                while (!stop.IsCancellationRequested)
                {
                    var id = Interlocked.Increment(ref nextId);
                    try
                    {
                        await using var c = (NpgsqlConnection)await TenantContext.GetDb().OpenConnectionAsync();
                        await using (var insert = new NpgsqlCommand("INSERT INTO pages VALUES ($1, $2)", c))
                        {
                            insert.Parameters.Add(new NpgsqlParameter { Value = id });
                            insert.Parameters.Add(new NpgsqlParameter { Value = tenant });
                            await insert.ExecuteNonQueryAsync();
                        }

                        acked[id] = tenant;
                        await using var read = new NpgsqlCommand("SELECT count(*) FROM pages WHERE id >= 1000000 AND body <> $1", c);
                        read.Parameters.Add(new NpgsqlParameter { Value = tenant });
                        Interlocked.Add(ref foreign, (long)(await read.ExecuteScalarAsync())!);
                        Interlocked.Increment(ref reads);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or PostgresTenantException or InvalidOperationException or TimeoutException)
                    {
                        errors.Enqueue($"{tenant} {id}: {ex.GetType().Name}: {ex.Message}");
                    }

                    await Task.Delay(random.Next(5, 50)); // a client thinks between requests
                }
            }
        })).ToArray();

        TenantMoveReport report;
        int atSwitch;
        try
        {
            await WaitAsync(() => acked.Count >= 2 * Clients, clients); // every client is under way
            report = await configuration.GetPostgres().Catalog.MoveAsync("acme", "s1").WaitAsync(Timeout);
            atSwitch = acked.Count;
            await WaitAsync(() => acked.Count >= atSwitch + 2 * Clients, clients); // and goes on after the switch
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(Timeout);
        }

        output.WriteLine($"{Clients} clients: {acked.Count} writes and {reads} reads, {errors.Count} errors, {foreign} rows of another tenant; {report}");
        foreach (var e in errors.Take(5))
        {
            output.WriteLine(e);
        }

        Assert.Equal(TenantMoveMode.Online, report.Mode);
        Assert.Empty(errors);
        Assert.Equal(0L, foreign);
        var moved = (await env.Second.ScalarAsync<long[]>("SELECT array_agg(id) FROM tenant_acme.pages WHERE id >= 1000000", env.S1Db)).ToHashSet();
        Assert.Equal(acked.Count(w => w.Value == "acme"), moved.Count);     // every acknowledged write of acme, once
        Assert.All(acked.Where(w => w.Value == "acme"), w => Assert.Contains(w.Key, moved));
        foreach (var t in tenants.Skip(1))
        {
            var stayed = await env.First.ScalarAsync<long>($"SELECT count(*) FROM tenant_{t}.pages WHERE id >= 1000000 AND body = '{t}'", env.MainDb);
            Assert.Equal(acked.Count(w => w.Value == t), stayed);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, Task[] clients)
    {
        var until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (clients.FirstOrDefault(c => c.IsFaulted) is { } faulted)
            {
                await faulted; // shows the client's exception
            }

            Assert.True(DateTime.UtcNow < until, "the clients made no progress in time");
            await Task.Delay(50);
        }
    }
}
