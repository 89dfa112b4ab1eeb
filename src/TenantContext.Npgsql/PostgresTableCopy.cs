using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// The tables and sequences of one tenant schema, and how to copy and compare them: tables in foreign-key order (a table
/// after those it references), copied by binary COPY of their stored columns, compared by row count and an ordered hash.
/// </summary>
internal static class PostgresTableCopy
{
    /// <summary>One table: its name and the columns a COPY carries (generated columns are recomputed, not copied).</summary>
    internal sealed record Table(string Name, IReadOnlyList<string> Columns, long Bytes);

    /// <summary>The schema's ordinary tables, the migration history and a move's beacon and change marks excluded, referenced tables first.</summary>
    internal static async Task<IReadOnlyList<Table>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, (List<string> Columns, long Bytes)>(StringComparer.Ordinal);
        await using (var list = new NpgsqlCommand(
            "SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), " +
            "pg_total_relation_size(c.oid) " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid " +
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname NOT IN ($2, $3, $4) GROUP BY c.oid, c.relname ORDER BY c.relname", connection, transaction))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = schema });
            list.Parameters.Add(new NpgsqlParameter { Value = PostgresMigrator.HistoryTable });
            list.Parameters.Add(new NpgsqlParameter { Value = PostgresLogicalCopy.BeaconTable });
            list.Parameters.Add(new NpgsqlParameter { Value = PostgresMoveMarks.MarksTable });
            await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables[reader.GetString(0)] = ([.. reader.GetFieldValue<string[]>(1)], reader.GetInt64(2));
            }
        }

        var references = new List<(string From, string To)>();
        await using (var fks = new NpgsqlCommand(
            "SELECT c.relname, r.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid " +
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_namespace rn ON rn.oid = r.relnamespace " +
            "WHERE k.contype = 'f' AND n.nspname = $1 AND rn.nspname = $1 AND c.oid <> r.oid", connection, transaction))
        {
            fks.Parameters.Add(new NpgsqlParameter { Value = schema });
            await using var reader = await fks.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                references.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        // Referenced tables first (Kahn's algorithm, ties by name); a reference cycle keeps its tables in name order.
        var ordered = new List<Table>(tables.Count);
        var pending = new SortedSet<string>(tables.Keys, StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(t => !references.Any(r => r.From == t && r.To != t && pending.Contains(r.To))) ?? pending.Min!;
            pending.Remove(next);
            ordered.Add(new Table(next, tables[next].Columns, tables[next].Bytes));
        }

        return ordered;
    }

    /// <summary>The schema's sequences and their last values (null when never used).</summary>
    internal static async Task<IReadOnlyList<(string Name, long? LastValue)>> SequencesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, CancellationToken cancellationToken)
    {
        var list = new List<(string, long?)>();
        await using var command = new NpgsqlCommand("SELECT sequencename::text, last_value FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
        }

        return list;
    }

    /// <summary>Sets a target sequence to the source's state (unused sequences restart at their start value).</summary>
    internal static async Task SetSequenceAsync(NpgsqlConnection target, NpgsqlTransaction transaction, string schema, string sequence, long? lastValue, CancellationToken cancellationToken)
    {
        var name = PostgresNames.Quote(schema) + "." + PostgresNames.Quote(sequence);
        await using var command = new NpgsqlCommand(
            lastValue is null
                ? "SELECT setval($1::regclass, (SELECT start_value FROM pg_sequences WHERE schemaname = $2 AND sequencename = $3), false)"
                : "SELECT setval($1::regclass, $2, true)",
            target, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        if (lastValue is { } last)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = last });
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter { Value = schema });
            command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies one table by binary COPY from the source connection to the target connection; returns the bytes streamed.</summary>
    internal static async Task<long> CopyAsync(NpgsqlConnection source, string sourceSchema, NpgsqlConnection target, string targetSchema, Table table, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(PostgresNames.Quote));
        var name = PostgresNames.Quote(table.Name);
        await using var reader = await source.BeginRawBinaryCopyAsync(
            $"COPY {PostgresNames.Quote(sourceSchema)}.{name} ({columns}) TO STDOUT (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using var writer = await target.BeginRawBinaryCopyAsync(
            $"COPY {PostgresNames.Quote(targetSchema)}.{name} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        var buffer = new byte[81920];
        long bytes = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            bytes += read;
        }

        return bytes;
    }

    /// <summary>A table's row count and ordered hash: md5 over the md5 of each row's text (its stored columns), in byte order of those md5s (independent of physical order).</summary>
    internal static async Task<(long Rows, string Hash)> HashAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, Table table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h COLLATE \"C\")), '') FROM (SELECT md5(ROW({string.Join(", ", table.Columns.Select(c => "x." + PostgresNames.Quote(c)))})::text) AS h " +
            $"FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(table.Name)} AS x) rows",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetString(1));
    }
}
