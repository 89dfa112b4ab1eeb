using System.CommandLine;
using Npgsql;
using Tenancy.Cli.Stores;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Commands;

/// <summary><c>shards</c> (PostgreSQL): each shard the catalog records — where it is, its tenants, its server's version, whether it answers.</summary>
internal static class ShardsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("shards",
            "List the PostgreSQL catalog's shards: name, host and database, tenants placed there, the server's version, and whether it can be reached " +
            "with the credentials given (--postgres's password for the same user, PGPASSWORD or a pgpass file). Read-only; exit code 1 when a shard cannot be reached.");
        Tenantctl.SetAction(command, globals, async context =>
        {
            var store = await context.PostgresAsync().ConfigureAwait(false);
            var tenants = await store.Postgres.ListAsync(includeArchived: true, context.CancellationToken).ConfigureAwait(false);
            var probes = await Task.WhenAll(store.RecordedShards.Select(s => ProbeAsync(store.ShardConnectionString(s.Name), context.CancellationToken))).ConfigureAwait(false);
            var shards = store.RecordedShards.Select((s, i) =>
            {
                var b = new NpgsqlConnectionStringBuilder(s.ConnectionString);
                return new ShardJson(s.Name, b.Host ?? "", b.Port, b.Database ?? "", s.Name == store.Router.Options.DefaultShard,
                    tenants.Count(t => t.Shard == s.Name), probes[i].Version is not null, probes[i].Version, probes[i].Error);
            }).ToList();
            if (context.Output.Json)
            {
                context.Output.WriteJson(new ShardsDocument(shards));
            }
            else
            {
                context.Output.Table(["shard", "host", "database", "tenants", "server", "reachable"],
                    shards.Select(s => (IReadOnlyList<string>)[s.Name + (s.Default ? " (default)" : ""), $"{s.Host}:{s.Port}", s.Database, $"{s.Tenants}",
                        s.ServerVersion ?? "", s.Reachable ? "yes" : $"no: {s.Error}"]));
            }

            return shards.All(s => s.Reachable) ? ExitCodes.Ok : ExitCodes.Error;
        });
        return command.WithExamples(
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" shards",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" shards --json   # password: PGPASSWORD or ~/.pgpass");
    }

    /// <summary>Connects once (unpooled, at most 10 s) and reads the server's version; or says why it could not.</summary>
    internal static async Task<(string? Version, string? Error)> ProbeAsync(string connectionString, CancellationToken cancellationToken)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        b.Timeout = Math.Min(b.Timeout, 10);
        try
        {
            await using var connection = new NpgsqlConnection(b.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SHOW server_version", connection);
            return ((string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
    }
}

internal sealed record ShardsDocument(IReadOnlyList<ShardJson> Shards);

internal sealed record ShardJson(string Name, string Host, int Port, string Database, bool Default, int Tenants, bool Reachable, string? ServerVersion, string? Error);
