// A throwaway PostgreSQL cluster for tests, shared as a source file: link it into a test project with
//   <Compile Include="../Shared/PostgresTestCluster.cs" Link="Shared/PostgresTestCluster.cs" />
// (the project must reference Npgsql, directly or through src/TenantContext.Npgsql).
//
// Usage:
//   var cluster = await PostgresTestCluster.SharedAsync();          // started once per test process, on demand
//   var db = await cluster.CreateDatabaseAsync("catalog");            // a fresh database, unique name
//   await using var c = new NpgsqlConnection(cluster.ConnectionString(db));
//   var second = await PostgresTestCluster.SharedAsync(1);            // a second server (shard moves)
//
// The server binaries on the PATH are used (initdb, pg_ctl). As root (CI), the cluster runs as the `postgres` user
// through `runuser -u postgres --` (initdb refuses root). Each cluster listens on a free loopback port with its Unix
// socket in its own folder, `wal_level=logical` and room for replication slots (tenant moves); the process's clusters
// are stopped with `-m immediate` and their folders removed when the test process exits, and clusters left behind by a
// killed test process are cleaned up by the next one.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tenancy.Testing;

/// <summary>A throwaway PostgreSQL server on a loopback port, owned by this test process.</summary>
public sealed class PostgresTestCluster : IAsyncDisposable
{
    private const string FolderPrefix = "tc-pg-";
    private static readonly ConcurrentDictionary<int, Lazy<Task<PostgresTestCluster>>> s_shared = new();
    private static int s_databaseCounter;
    private static int s_exitHooked;

    private PostgresTestCluster(string folder, int port)
    {
        Folder = folder;
        Port = port;
    }

    /// <summary>The cluster's folder (data directory under <c>data</c>, log, Unix socket).</summary>
    public string Folder { get; }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The superuser the tests connect as (trust authentication on loopback).</summary>
    public const string Superuser = "postgres";

    /// <summary>
    /// The process-wide cluster number <paramref name="index"/> (0 = the first server, 1 = a second server for moves),
    /// started on first request and stopped when the test process exits.
    /// </summary>
    public static Task<PostgresTestCluster> SharedAsync(int index = 0)
    {
        HookProcessExit();
        return s_shared.GetOrAdd(index, i => new Lazy<Task<PostgresTestCluster>>(() => StartAsync($"s{i}"))).Value;
    }

    /// <summary>A connection string for <paramref name="database"/> on this cluster, as the superuser.</summary>
    /// <param name="database">The database name.</param>
    /// <param name="extra">Further keywords appended as-is (e.g. <c>"Pooling=false"</c>).</param>
    public string ConnectionString(string database = "postgres", string? extra = null)
    {
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Database = database,
            Timeout = 30,
            CommandTimeout = 120,
        };
        return extra is null ? b.ConnectionString : b.ConnectionString + ";" + extra;
    }

    /// <summary>Creates a new, empty database with a unique name that starts with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">Lower-case letters, digits and underscores.</param>
    /// <returns>The database name.</returns>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref s_databaseCounter)}";
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>Runs a statement on the <c>postgres</c> database as the superuser (no pooling).</summary>
    public async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var c = new NpgsqlConnection(ConnectionString(database, "Pooling=false"));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query on <paramref name="database"/> as the superuser (no pooling).</summary>
    public async Task<T> ScalarAsync<T>(string sql, string database = "postgres")
    {
        await using var c = new NpgsqlConnection(ConnectionString(database, "Pooling=false"));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Starts a new cluster that the caller owns (dispose it to stop it). Prefer <see cref="SharedAsync"/>: a cluster
    /// takes 1–2 s to start.
    /// </summary>
    /// <param name="name">A short tag for the folder name.</param>
    /// <param name="durable">Keep fsync and synchronous commit on (benchmarks); tests run faster without.</param>
    /// <param name="maxConnections">The server's <c>max_connections</c>.</param>
    public static async Task<PostgresTestCluster> StartAsync(string name = "c", bool durable = false, int maxConnections = 400)
    {
        CleanUpAbandoned();
        var root = Environment.IsPrivilegedProcess ? "/tmp" : Path.GetTempPath();
        var folder = Path.Combine(root, $"{FolderPrefix}{Environment.ProcessId}-{name}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(folder);
        var data = Path.Combine(folder, "data");
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["-R", Superuser, folder], asPostgres: false);
            }

            await RunAsync("initdb", ["-D", data, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);
            var settings = durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            for (var attempt = 0; ; attempt++)
            {
                var port = FreePort();
                var options = $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c wal_level=logical -c max_wal_senders=20 " +
                              $"-c max_replication_slots=20 -c max_connections={maxConnections} -c shared_buffers=64MB{settings}";
                try
                {
                    await RunAsync("pg_ctl", ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o", options, "start"], asPostgres: true);
                    StartWatchdog(folder);
                    return new PostgresTestCluster(folder, port);
                }
                catch (InvalidOperationException) when (attempt < 4)
                {
                    // Most likely another process took the port between FreePort and the server's bind: try another.
                }
            }
        }
        catch
        {
            TryDeleteFolder(folder);
            throw;
        }
    }

    /// <summary>
    /// Restarts the server as after a crash: stopped at once (<c>-m immediate</c>: every connection is cut, nothing is
    /// flushed) and started again with the same options on the same port (it then runs crash recovery).
    /// </summary>
    public async Task RestartAsync()
    {
        // Without -o, restart reuses the options of the last start (postmaster.opts), the port among them.
        await RunAsync("pg_ctl", ["-D", Path.Combine(Folder, "data"), "-l", Path.Combine(Folder, "server.log"), "-m", "immediate", "-w", "-t", "60", "restart"], asPostgres: true);
    }

    /// <summary>Stops the server at once (<c>-m immediate</c>) and removes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", ["-D", Path.Combine(Folder, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        TryDeleteFolder(Folder);
    }

    /// <summary>
    /// A detached shell that stops the cluster and removes its folder once this process is gone: the test host may be
    /// killed before its exit handlers finish, and a cluster must not outlive its tests.
    /// </summary>
    private static void StartWatchdog(string folder)
    {
        const string script =
            "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; " +
            "if [ \"$(id -u)\" = 0 ]; then runuser -u postgres -- pg_ctl -D \"$2/data\" -m immediate -w stop; " +
            "else pg_ctl -D \"$2/data\" -m immediate -w stop; fi >/dev/null 2>&1; rm -rf \"$2\"";
        var psi = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["sh", "-c", script, "watchdog", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), folder])
        {
            psi.ArgumentList.Add(a);
        }

        Process.Start(psi)?.Dispose();
    }

    private static void HookProcessExit()
    {
        if (Interlocked.Exchange(ref s_exitHooked, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var lazy in s_shared.Values)
            {
                if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                {
                    lazy.Value.Result.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        };
    }

    /// <summary>Stops and removes clusters whose owning test process no longer exists (it was killed).</summary>
    private static void CleanUpAbandoned()
    {
        var root = Environment.IsPrivilegedProcess ? "/tmp" : Path.GetTempPath();
        foreach (var dir in Directory.EnumerateDirectories(root, FolderPrefix + "*"))
        {
            var rest = Path.GetFileName(dir)[FolderPrefix.Length..];
            var dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], out var pid) || ProcessExists(pid))
            {
                continue;
            }

            try
            {
                RunAsync("pg_ctl", ["-D", Path.Combine(dir, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Not running.
            }

            TryDeleteFolder(dir);
        }
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            psi.FileName = "runuser";
            foreach (var a in (string[])["-u", Superuser, "--", file])
            {
                psi.ArgumentList.Add(a);
            }
        }
        else
        {
            psi.FileName = file;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}" +
                " (are the PostgreSQL server binaries on the PATH?)");
        }
    }
}
