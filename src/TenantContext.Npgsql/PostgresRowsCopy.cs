using System.Globalization;
using System.Text;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// The copy of a move from or to shared rows (<see cref="PostgresIsolation.Rows"/>): the tenant's rows of every
/// tenant-owned table — a table with the tenant column (<see cref="PostgresTenantOptions.TenantColumn"/>) — selected on the
/// rows side by that column and the tenant's key (or slug, for a text column), all rows on a schema or database side.
/// Rows travel as JSON batches inserted with <c>json_populate_recordset</c> (an insert, so row-level security's checks
/// apply and any role that may insert can move), are compared by count and an ordered hash of the tenant's rows, and are
/// deleted from shared tables only after the switch.
/// </summary>
internal static class PostgresRowsCopy
{
    private const int BatchRows = 2000;

    /// <summary>A tenant-owned table: its copied columns, size, tenant column, and whether that column holds the key (else the slug).</summary>
    internal sealed record OwnedTable(string Name, IReadOnlyList<string> Columns, long Bytes, string TenantColumn, bool ByKey);

    /// <summary>The schema's tenant-owned tables (referenced tables first) and its other tables.</summary>
    internal static async Task<(IReadOnlyList<OwnedTable> Owned, IReadOnlyList<PostgresTableCopy.Table> Others)> ListAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, PostgresTenantOptions options, CancellationToken cancellationToken)
    {
        var tables = await PostgresTableCopy.ListAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false);
        var categories = new Dictionary<(string, string), char>();
        await using (var command = new NpgsqlCommand(
            "SELECT c.relname, a.attname::text, t.typcategory FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid " +
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid " +
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = schema });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                categories[(reader.GetString(0), reader.GetString(1))] = reader.GetChar(2);
            }
        }

        var owned = new List<OwnedTable>();
        var others = new List<PostgresTableCopy.Table>();
        foreach (var table in tables)
        {
            var column = options.TenantColumns.TryGetValue(table.Name, out var named) ? named : options.TenantColumn;
            if (categories.TryGetValue((table.Name, column), out var category))
            {
                owned.Add(new OwnedTable(table.Name, table.Columns, table.Bytes, column, category == 'N'));
            }
            else
            {
                others.Add(table);
            }
        }

        return (owned, others);
    }

    /// <summary>The rows of the tenant in a table on one side: <c> WHERE column = key</c> on a rows side, everything on a schema or database side.</summary>
    internal static string Filter(OwnedTable table, PostgresPlacement side) => side.Isolation != PostgresIsolation.Rows
        ? ""
        : $" WHERE {PostgresNames.Quote(table.TenantColumn)} = " +
          (table.ByKey ? side.Key.ToString(CultureInfo.InvariantCulture) : PostgresTenantCatalog.Literal(side.Slug));

    private static string Select(OwnedTable table, string schema, string filter) =>
        $"SELECT {string.Join(", ", table.Columns.Select(PostgresNames.Quote))} FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(table.Name)}{filter}";

    /// <summary>Carries the tenant on a transaction (<see cref="PostgresTenantSettings"/>), so row-level security policies let the mover see and write its rows.</summary>
    internal static async Task SetTenantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT set_config('{PostgresTenantSettings.Tenant}', $1, true), set_config('{PostgresTenantSettings.TenantKey}', $2, true)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = placement.Slug });
        command.Parameters.Add(new NpgsqlParameter { Value = placement.Key.ToString(CultureInfo.InvariantCulture) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tenant's row count and their size in bytes (<c>pg_column_size</c> of each row), for a dry run.</summary>
    internal static async Task<(long Rows, long Bytes)> SizeAsync(NpgsqlConnection connection, string schema, OwnedTable table, string filter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*), coalesce(sum(pg_column_size(x)), 0)::bigint FROM ({Select(table, schema, filter)}) x", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The first table that already holds rows of the tenant (a target must hold none), or null.</summary>
    internal static async Task<string?> FirstWithRowsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, IEnumerable<OwnedTable> tables, PostgresPlacement side, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT EXISTS ({Select(table, schema, Filter(table, side))})", connection, transaction);
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return table.Name;
            }
        }

        return null;
    }

    /// <summary>Copies the tenant's rows of one table in batches; returns the bytes sent (the rows' JSON text).</summary>
    internal static async Task<long> CopyAsync(NpgsqlConnection source, NpgsqlTransaction sourceTransaction, string sourceSchema, string sourceFilter,
        NpgsqlConnection target, NpgsqlTransaction targetTransaction, string targetSchema, OwnedTable table, string tenant, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(PostgresNames.Quote));
        var name = PostgresNames.Quote(targetSchema) + "." + PostgresNames.Quote(table.Name);
        var insertSql = $"INSERT INTO {name} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM json_populate_recordset(NULL::{name}, $1::json)";
        var batch = new StringBuilder();
        var count = 0;
        long bytes = 0;
        await using var read = new NpgsqlCommand($"SELECT row_to_json(x)::text FROM ({Select(table, sourceSchema, sourceFilter)}) x", source, sourceTransaction);
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = reader.GetString(0);
                batch.Append(count == 0 ? '[' : ',').Append(row);
                bytes += row.Length;
                if (++count == BatchRows)
                {
                    await FlushAsync().ConfigureAwait(false);
                }
            }
        }

        await FlushAsync().ConfigureAwait(false);
        return bytes;

        async Task FlushAsync()
        {
            if (count == 0)
            {
                return;
            }

            batch.Append(']');
            await using var insert = new NpgsqlCommand(insertSql, target, targetTransaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = batch.ToString() });
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new PostgresTenantException(tenant,
                    $"A row of table \"{table.Name}\" collides with a row already on the target ({ex.ConstraintName}: {ex.Detail}): a moved tenant's keys must " +
                    $"not exist on the target shard. Make the key of each shared table include the tenant column (PRIMARY KEY ({table.TenantColumn}, id)), or use " +
                    "UUIDs; sequence ranges per shard do not survive moves (a move raises the target's sequences to the source's). Nothing was switched.", ex);
            }

            batch.Clear();
            count = 0;
        }
    }

    /// <summary>The tenant's row count and ordered hash in one table (md5 over the sorted md5s of the rows' text).</summary>
    internal static async Task<(long Rows, string Hash)> HashAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, OwnedTable table, string filter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h COLLATE \"C\")), '') FROM (SELECT md5(x::text) AS h FROM ({Select(table, schema, filter)}) AS x) rows",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetString(1));
    }

    /// <summary>Deletes the tenant's rows from a rows side's shared tables (referencing tables first), in one transaction.</summary>
    internal static async Task DeleteAsync(NpgsqlConnection connection, PostgresPlacement side, PostgresTenantOptions options, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SetTenantAsync(connection, transaction, side, cancellationToken).ConfigureAwait(false);
        var (owned, _) = await ListAsync(connection, transaction, side.SchemaName, options, cancellationToken).ConfigureAwait(false);
        foreach (var table in owned.Reverse())
        {
            await using var delete = new NpgsqlCommand(
                $"DELETE FROM {PostgresNames.Quote(side.SchemaName)}.{PostgresNames.Quote(table.Name)}{Filter(table, side)}", connection, transaction);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings the target's sequences up to the source's (never down: a shared sequence also serves other tenants) and
    /// returns each one's values as checked afterwards.
    /// </summary>
    internal static async Task<IReadOnlyList<TenantMoveSequence>> RaiseSequencesAsync(NpgsqlConnection source, NpgsqlTransaction sourceTransaction, string sourceSchema,
        NpgsqlConnection target, NpgsqlTransaction targetTransaction, string targetSchema, string tenant, CancellationToken cancellationToken)
    {
        var theirs = (await PostgresTableCopy.SequencesAsync(target, targetTransaction, targetSchema, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Name, s => s.LastValue, StringComparer.Ordinal);
        var result = new List<TenantMoveSequence>();
        foreach (var (name, last) in await PostgresTableCopy.SequencesAsync(source, sourceTransaction, sourceSchema, cancellationToken).ConfigureAwait(false))
        {
            if (!theirs.TryGetValue(name, out var current))
            {
                throw new TenantMoveVerificationException(tenant, name, $"sequence: source last value {last?.ToString(CultureInfo.InvariantCulture) ?? "unused"}, missing on the target");
            }

            if (last is { } value && (current is null || current < value))
            {
                await PostgresTableCopy.SetSequenceAsync(target, targetTransaction, targetSchema, name, value, cancellationToken).ConfigureAwait(false);
                current = value;
            }

            result.Add(new TenantMoveSequence(name, last, current));
        }

        return result;
    }
}
