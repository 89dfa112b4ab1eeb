using System.Net;
using System.Net.Sockets;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// A loopback TCP listener in front of a server on <see cref="ServerPort"/>: it accepts until disposed and hands each
/// connection to <see cref="OnAccepted"/>, which decides what the proxy does with it.
/// </summary>
internal abstract class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _accepting;

    protected LoopbackProxy(int serverPort)
    {
        ServerPort = serverPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The port of the server behind the proxy.</summary>
    protected int ServerPort { get; }

    /// <summary>Cancelled when the proxy is disposed.</summary>
    protected CancellationTokenSource Stop { get; } = new();

    /// <summary>Takes an accepted connection (called on the accept loop: start longer work on a task of its own).</summary>
    protected abstract void OnAccepted(TcpClient client);

    /// <summary>Closes what the proxy relays, once the listener has stopped.</summary>
    protected virtual void OnStopped()
    {
    }

    private async Task AcceptAsync()
    {
        while (!Stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(Stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            OnAccepted(client);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop.Cancel();
        _listener.Stop();
        OnStopped();
        await _accepting;
    }
}
