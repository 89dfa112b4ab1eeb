using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tenancy;
using Tenancy.AspNetCore;
using Tenancy.Npgsql;
using Tenancy.Testing;

namespace SiteBuilder.Tests;

/// <summary>The tests that share one running SiteBuilder (they run one class at a time).</summary>
[CollectionDefinition(Name)]
public sealed class SiteCollection : ICollectionFixture<SiteServer>
{
    public const string Name = "SiteBuilder";
}

/// <summary>
/// SiteBuilder on a real Kestrel on 127.0.0.1 (random port), on two fresh databases of the test process's throwaway
/// PostgreSQL cluster (shards <c>main</c> and <c>shard-2</c>), seeded with acme (main), globex (shard-2) and initech (main).
/// </summary>
public sealed class SiteServer : IAsyncLifetime
{
    private Factory _factory = null!;

    public PostgresTestCluster Cluster { get; private set; } = null!;

    public string MainDatabase { get; private set; } = "";

    public string SecondDatabase { get; private set; } = "";

    public string AppRole { get; private set; } = "";

    public Uri Address { get; private set; } = null!;

    public IServiceProvider Services => _factory.Services;

    public async Task InitializeAsync()
    {
        Cluster = await PostgresTestCluster.SharedAsync();
        MainDatabase = await Cluster.CreateDatabaseAsync("site");
        SecondDatabase = await Cluster.CreateDatabaseAsync("site2");
        AppRole = "app_" + MainDatabase;
        _factory = new Factory(
            ("SiteBuilder:Postgres", Cluster.ConnectionString(MainDatabase)),
            ("SiteBuilder:Postgres2", Cluster.ConnectionString(SecondDatabase)),
            ("SiteBuilder:AppRole", AppRole),
            ("SiteBuilder:Seed", "true"));
        _factory.UseKestrel(0);
        await Task.Run(_factory.StartServer).WaitAsync(TimeSpan.FromMinutes(3));
        Address = new Uri(_factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>The app's tenant configuration, active on this flow (as in a request).</summary>
    public IDisposable Activate() => Services.GetRequiredService<TenantContextHost>().Activate();

    /// <summary>A website's catalog key (its website_id).</summary>
    public long KeyOf(string site)
    {
        using (Activate())
        {
            return TenantContext.Configuration.GetPostgres().Catalog.GetAsync(site).GetAwaiter().GetResult()!.Key;
        }
    }

    /// <summary>A client for <paramref name="host"/> (redirects not followed, 20 s timeout).</summary>
    public HttpClient Client(string host)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(20),
        };
        client.DefaultRequestHeaders.Host = $"{host}:{Address.Port}";
        return client;
    }

    /// <summary>Rows as the owner (the superuser: no row-level security), first column as text.</summary>
    public List<string> AsOwner(string sql, string? database = null)
    {
        using var connection = new NpgsqlConnection(Cluster.ConnectionString(database ?? MainDatabase, "Pooling=false"));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    /// <summary>
    /// Sends raw request bytes on a fresh loopback connection and returns the status code and the whole response (the
    /// server closes the connection). For requests HttpClient would refuse to send (hostile Host headers).
    /// </summary>
    public async Task<(int Status, string Response)> RawAsync(string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Address.Port), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), SocketFlags.None, timeout.Token);
        var buffer = new byte[64 * 1024];
        var received = new MemoryStream();
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var status = text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (status, text);
    }

    /// <summary>A GET with exactly this Host header (and Connection: close).</summary>
    public Task<(int Status, string Response)> RawGetAsync(string host, string path = "/")
        => RawAsync($"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");

    private sealed class Factory(params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.UseEnvironment("Production");
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}

/// <summary>Small helpers for requests and forms.</summary>
public static class HttpExtensions
{
    public static async Task<(HttpStatusCode Status, string Body)> GetPageAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpStatusCode Status, string Body, string? Location)> PostFormAsync(this HttpClient client, string path, params (string Key, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString);
    }
}
