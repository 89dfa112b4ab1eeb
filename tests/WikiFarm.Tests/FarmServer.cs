using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WikiFarm.Tests;

/// <summary>
/// WikiFarm on a real Kestrel server on 127.0.0.1 (random port), with its own temporary data folder and the two demo
/// wikis. The trusted proxy is 127.0.0.2: <see cref="AsUser"/> connects from there with the proxy's headers; a client
/// from 127.0.0.1 is a stranger whose headers must be ignored.
/// </summary>
public class FarmServer : WebApplicationFactory<Program>
{
    public const string TrustedProxy = "127.0.0.2";
    public const string Stranger = "127.0.0.1";

    private readonly string _environment;
    private readonly (string Key, string Value)[] _settings;

    /// <summary>The farm as the README's first command runs it: Development, with the demo wikis and the development login.</summary>
    public FarmServer()
        : this("Development")
    {
    }

    /// <summary>A farm in <paramref name="environment"/>, with extra configuration (<c>WikiFarm:…</c> keys).</summary>
    internal FarmServer(string environment, params (string Key, string Value)[] settings)
    {
        _environment = environment;
        _settings = settings;
        DataRoot = Path.Combine(Path.GetTempPath(), "wikifarm-tests-" + Guid.NewGuid().ToString("N"));
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Address = new Uri(address);
    }

    public string DataRoot { get; }

    public Uri Address { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("WikiFarm:DataRoot", DataRoot);
        builder.UseSetting("WikiFarm:TrustedProxies", TrustedProxy);
        builder.UseSetting("WikiFarm:ParentDomain", "wiki.test");
        builder.UseSetting("WikiFarm:ServerTiming", "true");
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>Runs <paramref name="work"/> with the app's tenant configuration active (as a request would have it).</summary>
    public T WithTenants<T>(Func<Tenancy.TenantConfiguration, T> work)
    {
        using (Services.GetRequiredService<Tenancy.AspNetCore.TenantContextHost>().Activate())
        {
            return work(Services.GetRequiredService<Tenancy.TenantConfiguration>());
        }
    }

    /// <summary>A client behind the trusted proxy, signed in as <paramref name="user"/>.</summary>
    public HttpClient AsUser(string user, string? email = null)
    {
        var client = CreateClientFrom(TrustedProxy);
        client.DefaultRequestHeaders.Add("X-Forwarded-User", user);
        client.DefaultRequestHeaders.Add("X-Forwarded-Email", email ?? $"{user}@example.com");
        return client;
    }

    /// <summary>A client behind the trusted proxy, signed in as <paramref name="user"/>, whose proxy sends no e-mail address.</summary>
    public HttpClient AsUserWithoutEmail(string user)
    {
        var client = CreateClientFrom(TrustedProxy);
        client.DefaultRequestHeaders.Add("X-Forwarded-User", user);
        return client;
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/>; redirects are not followed.</summary>
    public HttpClient CreateClientFrom(string localAddress)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Address.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = Address };
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataRoot, recursive: true);
            }
            catch (IOException)
            {
                // a file still held by a late finalizer; the temp folder is cleaned by the system
            }
        }
    }
}

internal static class HttpExtensions
{
    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(this HttpClient client, string path, string? host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string path, params (string Name, string Value)[] fields)
        => await client.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    /// <summary>A form post as a browser sends it from a page of <paramref name="origin"/> (its <c>Origin</c> header).</summary>
    public static async Task<HttpResponseMessage> PostFormFromAsync(this HttpClient client, string origin, string path, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request);
    }

    /// <summary>The rendered page body (the article) of a page view.</summary>
    public static string Article(string html)
    {
        int start = html.IndexOf("<article", StringComparison.Ordinal);
        int end = html.IndexOf("</article>", StringComparison.Ordinal);
        return start < 0 || end < 0 ? "" : html[start..end];
    }
}
