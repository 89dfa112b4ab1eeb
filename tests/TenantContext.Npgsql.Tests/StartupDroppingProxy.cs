using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tenancy.Npgsql.Tests;

/// <summary>
/// A loopback TCP proxy in front of PostgreSQL that drops the given startup parameters (as PgBouncer does with
/// <c>ignore_startup_parameters</c>, or any pooler that does not keep per-connection state) and relays everything else.
/// </summary>
internal sealed class StartupDroppingProxy(int serverPort, params string[] dropped) : LoopbackProxy(serverPort)
{
    private const int SslRequest = 80877103;
    private const int GssEncRequest = 80877104;
    private readonly HashSet<string> _dropped = new(dropped, StringComparer.Ordinal);

    public int StartupsRewritten;

    protected override void OnAccepted(TcpClient client) => _ = Task.Run(() => RelayAsync(client));

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, ServerPort);
            var c = client.GetStream();
            var s = server.GetStream();
            while (true)
            {
                var header = new byte[8];
                await c.ReadExactlyAsync(header);
                var length = BinaryPrimitives.ReadInt32BigEndian(header);
                var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                if (code is SslRequest or GssEncRequest)
                {
                    await c.WriteAsync("N"u8.ToArray()); // no encryption: go on in clear text
                    continue;
                }

                var body = new byte[length - 8];
                await c.ReadExactlyAsync(body);
                await s.WriteAsync(Rewrite(code, body));
                Interlocked.Increment(ref StartupsRewritten);
                break;
            }

            await Task.WhenAny(c.CopyToAsync(s, Stop.Token), s.CopyToAsync(c, Stop.Token));
        }
        catch (Exception)
        {
            // a closed side ends the relay
        }
    }

    private byte[] Rewrite(int protocol, byte[] body)
    {
        var parts = Encoding.UTF8.GetString(body).Split('\0');
        var kept = new List<string>();
        for (var i = 0; i + 1 < parts.Length && parts[i].Length > 0; i += 2)
        {
            if (!_dropped.Contains(parts[i]))
            {
                kept.Add(parts[i]);
                kept.Add(parts[i + 1]);
            }
        }

        var payload = Encoding.UTF8.GetBytes(string.Join('\0', kept) + "\0\0");
        var message = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), protocol);
        payload.CopyTo(message, 8);
        return message;
    }
}
