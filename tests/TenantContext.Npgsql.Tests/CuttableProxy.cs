using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// A loopback TCP relay in front of a server whose link can be cut: <see cref="Cut"/> resets every relayed connection
/// (both sides see a reset, as after a network failure) and resets new ones at once until <see cref="Restore"/>.
/// </summary>
internal sealed class CuttableProxy(int serverPort) : LoopbackProxy(serverPort)
{
    private readonly ConcurrentDictionary<TcpClient, TcpClient> _relays = new();
    private volatile bool _cut;

    /// <summary>Connections reset by <see cref="Cut"/> or refused while cut.</summary>
    public int Resets;

    /// <summary>Resets every open connection and every new one until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var (client, server) in _relays)
        {
            Reset(client);
            Reset(server);
            Interlocked.Increment(ref Resets);
        }
    }

    public void Restore() => _cut = false;

    private static void Reset(TcpClient side)
    {
        try
        {
            if (side.Client is { } socket) // null once closed
            {
                socket.LingerState = new LingerOption(true, 0); // close with RST, not FIN
                socket.Close();
            }

            side.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    protected override void OnAccepted(TcpClient client)
    {
        if (_cut)
        {
            Reset(client);
            Interlocked.Increment(ref Resets);
            return;
        }

        _ = Task.Run(() => RelayAsync(client));
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, ServerPort);
            _relays[client] = server;
            if (_cut)
            {
                Reset(client);
                Reset(server);
                return;
            }

            var c = client.GetStream();
            var s = server.GetStream();
            await Task.WhenAny(c.CopyToAsync(s, Stop.Token), s.CopyToAsync(c, Stop.Token));
        }
        catch (Exception)
        {
            // a closed or reset side ends the relay
        }
        finally
        {
            _relays.TryRemove(client, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    protected override void OnStopped()
    {
        foreach (var (client, server) in _relays)
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
