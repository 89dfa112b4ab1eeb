using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// Brings one placement (a tenant's schema or database, or a shard's shared tables) to the latest version. Each step
/// runs in its own transaction that first takes the placement's advisory lock, re-reads the version under it, applies
/// the step and records it in <c>tenancy_migrations</c> (in the placement's own schema), so processes racing on one
/// tenant apply each step once. A failed step rolls back and names tenant, step and PostgreSQL's error.
/// </summary>
internal sealed class PostgresMigrator(PostgresMigrationCollection steps)
{
    /// <summary>The first key of the two-key advisory locks this package takes (the second is the placement's hash).</summary>
    internal const int AdvisoryLockNamespace = 740_612;

    internal const string HistoryTable = "tenancy_migrations";

    /// <summary>Creates the placement's migration record (in its search path) when it has none.</summary>
    internal const string CreateHistorySql =
        $"CREATE TABLE IF NOT EXISTS {HistoryTable} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

    internal int LatestVersion => steps.LatestVersion;

    /// <summary>Reads the placement's version on a connection routed to it (0 when never migrated).</summary>
    internal static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{HistoryTable}') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        await using var read = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {HistoryTable}", connection, transaction);
        return (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Migrates the placement on <paramref name="connection"/> (routed to it) and returns its version.</summary>
    /// <exception cref="PostgresTenantVersionException">The placement is newer than the code.</exception>
    /// <exception cref="PostgresTenantMigrationException">A step failed (rolled back).</exception>
    internal Task<int> MigrateAsync(PostgresPlacement placement, NpgsqlConnection connection, CancellationToken cancellationToken) =>
        MigrateAsync(placement, connection, enterPlacement: false, cancellationToken);

    /// <summary>
    /// Migrates the placement and returns its version. With <paramref name="enterPlacement"/>, <paramref name="connection"/>
    /// is a connection to the placement's database shared by many schema placements (<c>MigrateAllAsync</c>'s workers):
    /// each transaction first enters the placement's schema (and role) for itself alone, see <see cref="BeginAsync"/>.
    /// </summary>
    internal async Task<int> MigrateAsync(PostgresPlacement placement, NpgsqlConnection connection, bool enterPlacement, CancellationToken cancellationToken)
    {
        var latest = steps.LatestVersion;
        var version = await ReadVersionAsync(placement, connection, enterPlacement, cancellationToken).ConfigureAwait(false);
        if (version > latest)
        {
            throw new PostgresTenantVersionException(Name(placement), placement.Where, version, latest);
        }

        foreach (var step in steps)
        {
            if (step.Version <= version)
            {
                continue;
            }

            await using var transaction = await BeginAsync(placement, connection, enterPlacement, cancellationToken).ConfigureAwait(false);
            await using (var guard = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLockNamespace}, hashtext($1))", connection, transaction))
            {
                guard.Parameters.Add(new NpgsqlParameter { Value = LockName(placement) });
                await guard.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var history = new NpgsqlCommand(CreateHistorySql, connection, transaction))
            {
                await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (version > latest)
            {
                throw new PostgresTenantVersionException(Name(placement), placement.Where, version, latest);
            }

            if (version >= step.Version)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                continue; // another process applied it while we waited for the lock
            }

            try
            {
                await step.ApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand($"INSERT INTO {HistoryTable} (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = step.Version });
                    record.Parameters.Add(new NpgsqlParameter { Value = step.Name });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                version = step.Version;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new PostgresTenantMigrationException(Name(placement), placement.Where, step, version, ex);
            }
        }

        return Math.Max(version, latest);
    }

    /// <summary>Reads the placement's version (0 when never migrated); see <see cref="BeginAsync"/> for <paramref name="enterPlacement"/>.</summary>
    internal static async Task<int> ReadVersionAsync(PostgresPlacement placement, NpgsqlConnection connection, bool enterPlacement, CancellationToken cancellationToken)
    {
        if (!enterPlacement)
        {
            return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await BeginAsync(placement, connection, enterPlacement, cancellationToken).ConfigureAwait(false);
        var version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    /// <summary>
    /// Begins a transaction. With <paramref name="enterPlacement"/> the transaction then sets the placement's search path
    /// (exactly its schema) and role (under <c>EnforceWithRoles</c>) with <c>set_config(…, is_local: true)</c>, so they end
    /// with the transaction and never outlive it on the shared connection, and checks that <c>current_schema()</c> is the
    /// placement's schema: a missing schema fails closed (<see cref="PostgresRoutingException"/>), as a routed connection does.
    /// </summary>
    private static async Task<NpgsqlTransaction> BeginAsync(PostgresPlacement placement, NpgsqlConnection connection, bool enterPlacement, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (!enterPlacement)
        {
            return transaction;
        }

        try
        {
            await using var enter = new NpgsqlCommand(
                placement.RoleName is null
                    ? "SELECT set_config('search_path', $1, true)"
                    : "SELECT set_config('search_path', $1, true), set_config('role', $2, true)",
                connection, transaction);
            enter.Parameters.Add(new NpgsqlParameter { Value = PostgresNames.Quote(placement.SchemaName) });
            if (placement.RoleName is not null)
            {
                enter.Parameters.Add(new NpgsqlParameter { Value = placement.RoleName });
            }

            await enter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            string? schema;
            await using (var check = new NpgsqlCommand("SELECT current_schema()", connection, transaction))
            {
                schema = await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }

            if (!string.Equals(schema, placement.SchemaName, StringComparison.Ordinal))
            {
                throw new PostgresRoutingException(Name(placement),
                    $"The schema \"{placement.SchemaName}\" of tenant '{Name(placement)}' does not exist in database \"{placement.DatabaseName}\" on shard " +
                    $"'{placement.Shard}'. The tenant was deleted or moved while it was being migrated, or created elsewhere: check its placement in " +
                    "the catalog (`tenantctl show`). Nothing was migrated (no fallback to another schema).");
            }

            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The advisory lock's name for a placement: unique per database and schema.</summary>
    internal static string LockName(PostgresPlacement placement) => placement.DatabaseName + "/" + placement.SchemaName;

    private static string Name(PostgresPlacement placement) => placement.Slug.Length == 0 ? "(shard " + placement.Shard + ")" : placement.Slug;
}
