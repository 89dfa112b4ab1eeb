using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tenancy.AspNetCore.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 with a random port, built for one test.</summary>
internal sealed class LoopbackHost : IAsyncDisposable
{
    private LoopbackHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<LoopbackHost> StartAsync(
        Action<TenantContextBuilder> tenants,
        Action<TenantResolutionOptions> resolution,
        Action<IEndpointRouteBuilder> endpoints,
        Action<WebApplicationBuilder>? services = null,
        Action<WebApplication>? beforeTenants = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddTenantContext(tenants);
        services?.Invoke(builder);
        var app = builder.Build();
        beforeTenants?.Invoke(app);
        app.UseTenantContext(resolution);
        endpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LoopbackHost(app, new Uri(address));
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x.y.z is this machine).</summary>
    public HttpClient CreateClient(string localAddress = "127.0.0.1")
    {
        var handler = new SocketsHttpHandler
        {
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

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
