using System.Globalization;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// A move in progress as the catalog records it (<c>tenancy.moves</c>, one row per tenant): written with the tenant's
/// moving mark before anything is built, switched together with the placement, removed when the old copy is gone. A row
/// that outlives its mover tells the next attempt what to sweep.
/// </summary>
internal sealed record PostgresMoveRecord(long Key, long FromEpoch, PostgresPlacement From, PostgresPlacement To, bool KeepSource)
{
    /// <summary>The old copy's name once renamed away: a schema in its database, or (kept) a database tenant's database.</summary>
    internal string MovedName => string.Create(CultureInfo.InvariantCulture, $"tenancy_moved_{Key}_{FromEpoch}");

    internal static async Task<PostgresMoveRecord?> ReadAsync(NpgsqlDataSource catalog, string slug, Func<PostgresIsolation, string, string?> roleFor, CancellationToken cancellationToken)
    {
        await using var command = catalog.CreateCommand(
            "SELECT key, from_epoch, from_shard, from_isolation, from_schema, from_database, to_shard, to_isolation, to_schema, to_database, keep_source " +
            "FROM tenancy.moves WHERE slug = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var key = r.GetInt64(0);
        var epoch = r.GetInt64(1);
        var fromIsolation = PostgresTenantCatalog.ParseIsolation(r.GetString(3));
        var toIsolation = PostgresTenantCatalog.ParseIsolation(r.GetString(7));
        return new PostgresMoveRecord(key, epoch,
            new PostgresPlacement(slug, key, r.GetString(2), fromIsolation, r.GetString(4), r.GetString(5), epoch, roleFor(fromIsolation, r.GetString(4))),
            new PostgresPlacement(slug, key, r.GetString(6), toIsolation, r.GetString(8), r.GetString(9), epoch + 1, roleFor(toIsolation, r.GetString(8))),
            r.GetBoolean(10));
    }

    /// <summary>Records the move and marks the tenant as moving, in one transaction; fails when the placement changed meanwhile.</summary>
    internal async Task MarkAsync(NpgsqlDataSource catalog, string slug, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var mark = new NpgsqlCommand("UPDATE tenancy.tenants SET moving = true WHERE slug = $1 AND key = $2 AND epoch = $3", connection, transaction))
        {
            mark.Parameters.Add(new NpgsqlParameter { Value = slug });
            mark.Parameters.Add(new NpgsqlParameter { Value = Key });
            mark.Parameters.Add(new NpgsqlParameter { Value = FromEpoch });
            if (await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new PostgresTenantException(slug, $"Tenant '{slug}' changed (deleted, re-created or moved) while the move was planned. Nothing was changed: run the move again.");
            }
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO tenancy.moves (slug, key, from_epoch, from_shard, from_isolation, from_schema, from_database, to_shard, to_isolation, to_schema, to_database, keep_source) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", connection, transaction))
        {
            foreach (var value in (object[])[slug, Key, FromEpoch, From.Shard, PostgresTenantCatalog.IsolationText(From.Isolation), From.SchemaName, From.DatabaseName,
                         To.Shard, PostgresTenantCatalog.IsolationText(To.Isolation), To.SchemaName, To.DatabaseName, KeepSource])
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The switch: the placement becomes the target with the next epoch, the mark is cleared, the move is recorded as switched — one transaction.</summary>
    internal async Task SwitchAsync(NpgsqlDataSource catalog, string slug, CancellationToken cancellationToken)
    {
        await using var connection = await catalog.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var flip = new NpgsqlCommand(
            "UPDATE tenancy.tenants SET shard = $4, isolation = $5, schema_name = $6, database_name = $7, epoch = epoch + 1, moving = false " +
            "WHERE slug = $1 AND key = $2 AND epoch = $3", connection, transaction))
        {
            foreach (var value in (object[])[slug, Key, FromEpoch, To.Shard, PostgresTenantCatalog.IsolationText(To.Isolation), To.SchemaName, To.DatabaseName])
            {
                flip.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            if (await flip.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new PostgresTenantException(slug, $"Tenant '{slug}' changed (deleted or re-created) during the move: the switch was not made and the move rolls back.");
            }
        }

        await using (var done = new NpgsqlCommand("UPDATE tenancy.moves SET switched_at = now() WHERE slug = $1", connection, transaction))
        {
            done.Parameters.Add(new NpgsqlParameter { Value = slug });
            await done.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the move's record and the moving mark (after a roll-back, or once the old copy is gone).</summary>
    internal async Task ForgetAsync(NpgsqlDataSource catalog, string slug, CancellationToken cancellationToken)
    {
        await using var batch = catalog.CreateBatch();
        foreach (var sql in (string[])["DELETE FROM tenancy.moves WHERE slug = $1 AND key = $2", "UPDATE tenancy.tenants SET moving = false WHERE slug = $1 AND key = $2 AND moving"])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = slug });
            command.Parameters.Add(new NpgsqlParameter { Value = Key });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
