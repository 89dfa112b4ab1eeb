using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// A loopback TCP relay in front of a server whose link can be cut: <see cref="Cut"/> resets every relayed connection
/// (both sides see a reset, as after a network failure) and resets new ones at once until <see cref="Restore"/>.
/// </summary>
internal sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, TcpClient> _relays = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public CuttableProxy(int serverPort)
    {
        _serverPort = serverPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

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

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_cut)
            {
                Reset(client);
                Interlocked.Increment(ref Resets);
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _serverPort);
            _relays[client] = server;
            if (_cut)
            {
                Reset(client);
                Reset(server);
                return;
            }

            var c = client.GetStream();
            var s = server.GetStream();
            await Task.WhenAny(c.CopyToAsync(s, _stop.Token), s.CopyToAsync(c, _stop.Token));
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

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var (client, server) in _relays)
        {
            client.Dispose();
            server.Dispose();
        }

        await _accepting;
    }
}
