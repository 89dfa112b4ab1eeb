using System.Globalization;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// Large objects a tenant would leave behind in a move. They live outside any table (<c>pg_largeobject</c>, one per
/// database) and tables only name them by oid (a column of type <c>oid</c>, or a domain over it such as the <c>lo</c>
/// extension's): a move copies and verifies tables, so the oids would arrive, the verification would pass, and the data
/// would stay on the source (dropped with a database tenant's database). The move refuses such a tenant instead.
/// </summary>
internal static class PostgresLargeObjects
{
    /// <summary>What of the tenant's data is in large objects (for the refusal), or null when nothing is.</summary>
    internal static async Task<string?> FindAsync(NpgsqlConnection source, PostgresPlacement from, PostgresTenantOptions options, CancellationToken cancellationToken)
    {
        await using var transaction = await source.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<string>();
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (from.Isolation == PostgresIsolation.Rows)
        {
            // Shared tables: the tenant's rows only (row-level security needs the tenant carried), of its own tables.
            await PostgresRowsCopy.SetTenantAsync(source, transaction, from, cancellationToken).ConfigureAwait(false);
            foreach (var table in (await PostgresRowsCopy.ListAsync(source, transaction, from.SchemaName, options, cancellationToken).ConfigureAwait(false)).Owned)
            {
                filters[table.Name] = PostgresRowsCopy.Filter(table, from);
            }
        }

        var columns = new List<(string Table, string Column)>();
        await using (var command = new NpgsqlCommand(
            "SELECT c.relname::text, a.attname::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid " +
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid " +
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped " +
            "AND (a.atttypid = 'oid'::regtype OR (t.typtype = 'd' AND t.typbasetype = 'oid'::regtype)) ORDER BY 1, 2", source, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = from.SchemaName });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (table, column) in columns)
        {
            if (from.Isolation == PostgresIsolation.Rows && !filters.ContainsKey(table))
            {
                continue; // a shared table without the tenant column: nobody's in particular, it does not move
            }

            await using var command = new NpgsqlCommand(
                $"SELECT count(*) FROM (SELECT {PostgresNames.Quote(column)} AS o FROM {PostgresNames.Quote(from.SchemaName)}.{PostgresNames.Quote(table)}{filters.GetValueOrDefault(table, "")}) x " +
                "WHERE EXISTS (SELECT FROM pg_largeobject_metadata m WHERE m.oid = x.o)", source, transaction);
            var count = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (count > 0)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture, $"{PostgresNames.Quote(table)}.{PostgresNames.Quote(column)} names {count} large object{(count == 1 ? "" : "s")}"));
            }
        }

        if (from.Isolation == PostgresIsolation.Database)
        {
            // The database goes with the move: large objects no column names would go with it.
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_largeobject_metadata", source, transaction);
            var count = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (found.Count == 0 && count > 0)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture, $"its database holds {count} large object{(count == 1 ? "" : "s")}"));
            }
        }

        return found.Count == 0 ? null : string.Join("; ", found);
    }
}
