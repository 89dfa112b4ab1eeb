using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// The online copy of a move: PostgreSQL's own logical replication from the source's tables to the target's. On the
/// source a publication of the tenant's tables and a replication slot, on the target a subscription that copies the
/// tables at the slot's snapshot and then applies every later change, while the tenant keeps serving from the source.
/// Under the write fence a beacon row (table <see cref="BeaconTable"/>, published too) is committed on the source; once the
/// target has it, every change committed before the fence has been applied (changes are applied in commit order).
/// Every object is named <c>tenancy_move_{key}_{epoch}_{hash}</c>, so an interrupted attempt's leftovers are swept by name.
/// </summary>
internal sealed class PostgresLogicalCopy(PostgresTenantOptions options, PostgresMoveRecord move)
{
    internal const string BeaconTable = "tenancy_move_beacon";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// The publication's, slot's and subscription's name: the tenant's key and epoch, and a hash of the source's database and
    /// schema (slots are per server, and two catalogs may share one).
    /// </summary>
    internal string Name { get; } = FormattableString.Invariant($"tenancy_move_{move.Key}_{move.FromEpoch}_") +
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(move.From.DatabaseName + "/" + move.From.SchemaName)))[..8];

    /// <summary>
    /// Why this move cannot be online, or null when it can: the same schema name on both sides (no change of isolation),
    /// <c>wal_level = logical</c> on the source's server, a superuser on the target's (CREATE SUBSCRIPTION), and a replica
    /// identity (a primary key, or REPLICA IDENTITY FULL or USING INDEX) on every table.
    /// </summary>
    internal static async Task<string?> BlockerAsync(PostgresPlacement from, PostgresPlacement to, NpgsqlConnection source, NpgsqlConnection targetAdmin, CancellationToken cancellationToken)
    {
        if (from.SchemaName != to.SchemaName)
        {
            return $"the tenant's schema is renamed on the way (\"{from.SchemaName}\" → \"{to.SchemaName}\": a change of isolation), which replication cannot map";
        }

        await using (var wal = new NpgsqlCommand("SELECT current_setting('wal_level')", source))
        {
            if ((string)(await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != "logical")
            {
                return $"the source's server (shard '{from.Shard}') runs with wal_level other than 'logical' (set wal_level = logical and restart it)";
            }
        }

        await using (var super = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", targetAdmin))
        {
            if (!(bool)(await super.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return $"the login of the target's shard '{to.Shard}' is not a superuser, which CREATE SUBSCRIPTION needs on PostgreSQL 15";
            }
        }

        await using var identity = new NpgsqlCommand(
            "SELECT coalesce(string_agg(c.relname, ', ' ORDER BY c.relname), '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname NOT IN ($2, $3, $4) AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS " +
            "(SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))", source);
        identity.Parameters.Add(new NpgsqlParameter { Value = from.SchemaName });
        identity.Parameters.Add(new NpgsqlParameter { Value = PostgresMigrator.HistoryTable });
        identity.Parameters.Add(new NpgsqlParameter { Value = BeaconTable });
        identity.Parameters.Add(new NpgsqlParameter { Value = PostgresMoveMarks.MarksTable });
        var missing = (string)(await identity.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return missing.Length == 0
            ? null
            : $"table(s) {missing} have no replica identity (add a primary key, or ALTER TABLE … REPLICA IDENTITY FULL, in a migration step)";
    }

    /// <summary>
    /// Starts replication and waits until the target has copied every table and caught up: the beacon tables made on both
    /// sides, the target's tables emptied (rows a migration step inserted), publication and slot on the source, the
    /// subscription on the target.
    /// </summary>
    internal async Task StartAsync(NpgsqlConnection sourceAdmin, NpgsqlConnection targetAdmin, IReadOnlyList<PostgresTableCopy.Table> tables, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var from = PostgresNames.Quote(move.From.SchemaName);
        var to = PostgresNames.Quote(move.To.SchemaName);
        var beacon = PostgresNames.Quote(BeaconTable);
        var truncate = tables.Count == 0 ? "" : $"TRUNCATE {string.Join(", ", tables.Select(t => to + "." + PostgresNames.Quote(t.Name)))}; ";
        await ExecuteAsync(targetAdmin, truncate + $"CREATE TABLE {to}.{beacon} (id integer PRIMARY KEY)", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(sourceAdmin, $"CREATE TABLE {from}.{beacon} (id integer PRIMARY KEY)", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(sourceAdmin,
            $"CREATE PUBLICATION {PostgresNames.Quote(Name)} FOR TABLE {string.Join(", ", tables.Select(t => from + "." + PostgresNames.Quote(t.Name)).Append(from + "." + beacon))}",
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(sourceAdmin, $"SELECT pg_create_logical_replication_slot({PostgresTenantCatalog.Literal(Name)}, 'pgoutput')", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(targetAdmin,
            $"CREATE SUBSCRIPTION {PostgresNames.Quote(Name)} CONNECTION {PostgresTenantCatalog.Literal(ConnInfo(options.Shards[move.From.Shard], move.From.DatabaseName))} " +
            $"PUBLICATION {PostgresNames.Quote(Name)} WITH (create_slot = false, slot_name = {PostgresTenantCatalog.Literal(Name)}, copy_data = true)",
            cancellationToken).ConfigureAwait(false);

        await WaitAsync(targetAdmin,
            "SELECT NOT EXISTS (SELECT FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = $1 AND r.srsubstate <> 'r')",
            timeout, "copy every table", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Under the fence: commits the beacon row on the source and waits until the target has applied it.</summary>
    internal async Task CatchUpAsync(NpgsqlConnection sourceAdmin, NpgsqlConnection targetAdmin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await ExecuteAsync(sourceAdmin, $"INSERT INTO {PostgresNames.Quote(move.From.SchemaName)}.{PostgresNames.Quote(BeaconTable)} VALUES (1)", cancellationToken).ConfigureAwait(false);
        await WaitAsync(targetAdmin, $"SELECT EXISTS (SELECT FROM {PostgresNames.Quote(move.To.SchemaName)}.{PostgresNames.Quote(BeaconTable)} WHERE id = 1)",
            timeout, "apply the last changes before the fence", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes every replication object of this move, by name, whichever exist: the subscription and the change marks
    /// (<see cref="PostgresMoveMarks"/>) in the target's database, the slot and publication in the source's, both beacon tables. Safe to run at any point, and again.
    /// </summary>
    internal async Task SweepAsync(Func<string, string, Task<NpgsqlConnection?>> open)
    {
        var literal = PostgresTenantCatalog.Literal(Name);
        var quoted = PostgresNames.Quote(Name);
        await using (var target = await open(move.To.Shard, move.To.DatabaseName).ConfigureAwait(false))
        {
            if (target is not null)
            {
                await ExecuteAsync(target,
                    $"DO $$ BEGIN IF EXISTS (SELECT FROM pg_subscription WHERE subname = {literal} AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())) THEN " +
                    $"ALTER SUBSCRIPTION {quoted} DISABLE; ALTER SUBSCRIPTION {quoted} SET (slot_name = NONE); END IF; END $$", CancellationToken.None).ConfigureAwait(false);
                await ExecuteAsync(target, $"DROP SUBSCRIPTION IF EXISTS {quoted}", CancellationToken.None).ConfigureAwait(false);
                await ExecuteAsync(target, PostgresMoveMarks.SweepSql(move.To.SchemaName), CancellationToken.None).ConfigureAwait(false);
                await ExecuteAsync(target, $"DROP TABLE IF EXISTS {PostgresNames.Quote(move.To.SchemaName)}.{PostgresNames.Quote(BeaconTable)}", CancellationToken.None).ConfigureAwait(false);
            }
        }

        await using var source = await open(move.From.Shard, move.From.DatabaseName).ConfigureAwait(false);
        if (source is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                // The slot is released a moment after its subscription is disabled: end its walsender, then drop it.
                await ExecuteAsync(source,
                    $"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = {literal} AND active_pid IS NOT NULL; " +
                    $"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = {literal} AND NOT active",
                    CancellationToken.None).ConfigureAwait(false);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(Poll).ConfigureAwait(false);
            }
        }

        var beacons = string.Join(" ", new[] { move.From.SchemaName, move.MovedName }.Select(s => $"DROP TABLE IF EXISTS {PostgresNames.Quote(s)}.{PostgresNames.Quote(BeaconTable)};"));
        await ExecuteAsync(source, $"DROP PUBLICATION IF EXISTS {quoted}; {beacons}", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A libpq connection string to the source's database, for the target's subscription (values quoted the libpq way).</summary>
    internal static string ConnInfo(string shardConnectionString, string database)
    {
        var b = new NpgsqlConnectionStringBuilder(shardConnectionString);
        var text = new StringBuilder();
        Add("host", b.Host);
        Add("port", b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("dbname", database);
        Add("user", b.Username);
        Add("password", b.Password);
        return text.ToString();

        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                text.Append(key).Append("='").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("' ");
            }
        }
    }

    private async Task WaitAsync(NpgsqlConnection targetAdmin, string sql, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            await using (var check = new NpgsqlCommand(sql, targetAdmin))
            {
                if (sql.Contains("$1", StringComparison.Ordinal))
                {
                    check.Parameters.Add(new NpgsqlParameter { Value = Name });
                }

                if ((bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return;
                }
            }

            await using (var errors = new NpgsqlCommand("SELECT coalesce(sum(sync_error_count + apply_error_count), 0) FROM pg_stat_subscription_stats WHERE subname = $1", targetAdmin))
            {
                errors.Parameters.Add(new NpgsqlParameter { Value = Name });
                if ((decimal)(await errors.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
                {
                    throw new PostgresTenantException(move.From.Slug,
                        $"The replication of tenant '{move.From.Slug}' to shard '{move.To.Shard}' failed while it tried to {what}: the target's server log " +
                        $"(subscription {Name}) says why — typically the target's server cannot connect to the source's with the shard's connection string. " +
                        "Nothing was switched; fix that, or move with TenantMoveOptions.Mode = TenantMoveMode.Offline.");
                }
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new PostgresTenantException(move.From.Slug,
                    $"The replication of tenant '{move.From.Slug}' did not {what} within {timeout.TotalSeconds:0.###} s. Nothing was switched; retry with a longer " +
                    "TenantMoveOptions timeout, or move with TenantMoveOptions.Mode = TenantMoveMode.Offline.");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
