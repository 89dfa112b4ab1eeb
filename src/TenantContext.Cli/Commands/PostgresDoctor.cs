using System.Globalization;
using Npgsql;
using Tenancy.Cli.Stores;
using static Tenancy.Cli.Commands.DoctorCommand;

namespace Tenancy.Cli.Commands;

/// <summary>
/// <c>doctor</c> on a PostgreSQL catalog: the catalog answers; each shard's server answers, its version, its
/// <c>wal_level</c>, whether a pooler sits in between that would lose per-connection state, and whether the connection
/// budget of every process fits its <c>max_connections</c>. Reads only.
/// </summary>
internal static class PostgresDoctor
{
    private const string ProbeSearchPath = "tenantctl_doctor_probe";

    public static async Task RunAsync(PostgresStore store, int processes, List<DoctorCheckJson> checks, CancellationToken cancellationToken)
    {
        int maxConnectionsPerShard = store.Router.Options.MaxConnectionsPerShard; // the app's recorded value, or --max-connections-per-shard
        var tenants = await store.Postgres.ListAsync(includeArchived: true, cancellationToken).ConfigureAwait(false);
        checks.Add(Ok("catalog", string.Create(CultureInfo.InvariantCulture,
            $"{PostgresStore.Where(store.CatalogConnectionString)}: {tenants.Count} tenant(s) on {store.RecordedShards.Count} shard(s)")));
        var o = store.Router.Options;
        checks.Add(store.RecordedSettings is { } recorded
            ? Ok("app settings", string.Create(CultureInfo.InvariantCulture,
                $"recorded {recorded.RecordedAt.UtcDateTime:u}: isolation {o.Isolation.ToString().ToLowerInvariant()}, SchemaTemplate {o.SchemaTemplate}, " +
                $"DatabaseTemplate {o.DatabaseTemplate}, EnforceWithRoles {o.EnforceWithRoles.ToString().ToLowerInvariant()}, MaxConnectionsPerShard {o.MaxConnectionsPerShard}, " +
                $"TenantColumn {o.TenantColumn}"))
            : Warning("app settings", "the catalog records none: the tool uses UsePostgres' defaults and the flags given",
                "run the app once with this version (it records its settings on first use), or pass --enforce-with-roles, --schema-template, " +
                "--database-template and --max-connections-per-shard as the app sets them"));
        var servers = new Dictionary<string, (ServerFacts Facts, List<string> Shards)>(StringComparer.Ordinal);
        foreach (var shard in store.RecordedShards)
        {
            var connectionString = store.ShardConnectionString(shard.Name);
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            var server = $"{b.Host}:{b.Port}";
            ServerFacts facts;
            try
            {
                facts = await ReadAsync(connectionString, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                checks.Add(Failed($"shard {shard.Name}", $"{server}/{b.Database} cannot be reached: {ex.Message}",
                    "check the server, the recorded connection string (`tenantctl shards`) and the credentials (--postgres's password, PGPASSWORD or a pgpass file)"));
                continue;
            }

            checks.Add(facts.VersionNumber >= 150000
                ? Ok($"shard {shard.Name}", $"{server}/{b.Database}: PostgreSQL {facts.Version}")
                : Warning($"shard {shard.Name}", $"{server}/{b.Database}: PostgreSQL {facts.Version}",
                    "upgrade to PostgreSQL 15 or later: online tenant moves publish a schema (CREATE PUBLICATION … FOR TABLES IN SCHEMA)"));
            checks.Add(facts.WalLevel == "logical"
                ? Ok($"wal_level {shard.Name}", "logical: tenant moves can run online")
                : Warning($"wal_level {shard.Name}", $"{facts.WalLevel}: tenant moves from this shard run offline (writes wait for the whole copy)",
                    "set wal_level = logical (and max_replication_slots, max_wal_senders) and restart the server, for online moves"));
            checks.Add(facts.Pooler is null
                ? Ok($"pooler {shard.Name}", "startup parameters arrive and one client connection keeps one server connection (direct, or session pooling)")
                : Failed($"pooler {shard.Name}", facts.Pooler,
                    "connect directly, or run the pooler in session mode and let search_path through (PgBouncer: pool_mode = session; remove search_path from ignore_startup_parameters)"));
            if (!servers.TryGetValue(server, out var entry))
            {
                servers[server] = entry = (facts, new List<string>());
            }

            entry.Shards.Add(shard.Name);
        }

        foreach (var (server, (facts, shards)) in servers)
        {
            long need = (long)maxConnectionsPerShard * shards.Count * processes;
            int available = facts.MaxConnections - facts.ReservedConnections;
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"{maxConnectionsPerShard} per shard × {shards.Count} shard(s) ({string.Join(", ", shards)}) × {processes} process(es) = {need}; " +
                $"max_connections {facts.MaxConnections} less {facts.ReservedConnections} reserved = {available}");
            var fix = string.Create(CultureInfo.InvariantCulture,
                $"lower MaxConnectionsPerShard to {Math.Max(1, available / Math.Max(1, shards.Count * processes))} or less, or raise max_connections on {server} (or put a session-mode pooler in front)");
            checks.Add(need > available
                ? Failed($"connections {server}", detail, fix)
                : need > available * 0.8
                    ? Warning($"connections {server}", detail + " (over 80%: little room for other clients and moves)", fix)
                    : Ok($"connections {server}", detail));
        }

        checks.Add(store.HasMigrations
            ? Ok("migrations", string.Create(CultureInfo.InvariantCulture, $"{store.LatestVersion} is the latest version of the migrations given"))
            : Warning("migrations", "none given: check, move and migrate need them", "pass --migrations DIR or --migrations MyApp.dll[:TYPE]"));
    }

    /// <summary>
    /// Connects once (unpooled, at most 10 s) with a probe search path and reads the server's facts. A pooler is suspected
    /// when the search path sent as a startup parameter does not arrive, or when three statements in a row run on
    /// different server processes (transaction or statement pooling).
    /// </summary>
    private static async Task<ServerFacts> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, SearchPath = ProbeSearchPath };
        b.Timeout = Math.Min(b.Timeout, 10);
        await using var connection = new NpgsqlConnection(b.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int, current_setting('wal_level'), " +
            "current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, current_setting('search_path'), pg_backend_pid()",
            connection);
        string version, walLevel, searchPath;
        int versionNumber, maxConnections, reserved, pid;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (version, versionNumber, walLevel, maxConnections, reserved, searchPath, pid) =
                (reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetInt32(6));
        }

        string? pooler = null;
        if (!string.Equals(searchPath.Trim('"'), ProbeSearchPath, StringComparison.Ordinal))
        {
            pooler = $"the search path sent at connection start-up did not arrive (the server has '{searchPath}'): a pooler or proxy drops startup parameters, " +
                "and tenant routing refuses such connections";
        }
        else
        {
            await using var again = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            for (var i = 0; i < 2 && pooler is null; i++)
            {
                if ((int)(await again.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != pid)
                {
                    pooler = "consecutive statements ran on different server connections: a pooler in transaction or statement mode, which loses per-connection state";
                }
            }
        }

        return new ServerFacts(version, versionNumber, walLevel, maxConnections, reserved, pooler);
    }

    private sealed record ServerFacts(string Version, int VersionNumber, string WalLevel, int MaxConnections, int ReservedConnections, string? Pooler);
}
