using System.Text;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>What <see cref="PostgresTenantCatalog.CheckAsync"/> found for one tenant.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="CatalogVersion">Its version as the catalog records it.</param>
/// <param name="TenantVersion">Its version as its own <c>tenancy_migrations</c> records it, or null when its schema or database is missing.</param>
/// <param name="Fingerprint">A hash of its tables, columns and column types (null when missing).</param>
/// <param name="Problems">What is wrong, each with what to do; empty when the tenant is healthy.</param>
public sealed record PostgresTenantCheck(string Slug, int CatalogVersion, int? TenantVersion, string? Fingerprint, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool Healthy => Problems.Count == 0;
}

/// <summary>What <see cref="PostgresTenantCatalog.CheckShardsAsync"/> found for one shard's shared tables (those of its rows tenants, in its <c>public</c> schema).</summary>
/// <param name="Shard">The shard.</param>
/// <param name="Version">The version its shared tables' own <c>tenancy_migrations</c> records (0 when they were never migrated).</param>
/// <param name="Fingerprint">A hash of its shared tables, columns and column types.</param>
/// <param name="Problems">What is wrong, each with what to do; empty when the shard is in step with the code and the other shards.</param>
public sealed record PostgresShardCheck(string Shard, int Version, string Fingerprint, IReadOnlyList<string> Problems)
{
    /// <summary>True when nothing is wrong.</summary>
    public bool Healthy => Problems.Count == 0;
}

/// <summary>What <see cref="PostgresTenantCatalog.StatsAsync"/> measured for one tenant.</summary>
/// <param name="Slug">The tenant.</param>
/// <param name="Shard">Its shard.</param>
/// <param name="Isolation">Its isolation.</param>
/// <param name="Version">Its version (the catalog's record).</param>
/// <param name="Tables">Its tables (for rows tenants: the shard's shared tables).</param>
/// <param name="SizeBytes">The size of its tables with indexes and TOAST (for rows tenants: the shared tables', not its share).</param>
/// <param name="RowsEstimate">The planner's row estimate over its tables (<c>reltuples</c>; for rows tenants: all tenants' rows).</param>
public sealed record PostgresTenantStats(string Slug, string Shard, PostgresIsolation Isolation, int Version, int Tables, long SizeBytes, long RowsEstimate);

/// <summary>
/// Drift checks and sizes, one query per shard (and per database tenant) rather than one per tenant. The migration history
/// and an online move's beacon and change-marks tables (<see cref="PostgresLogicalCopy.BeaconTable"/>, <see cref="PostgresMoveMarks.MarksTable"/>)
/// are not the tenant's tables.
/// </summary>
internal static class PostgresTenantInspection
{
    private const string PerSchemaSql = """
        SELECT n.nspname,
               count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p') AND c.relname NOT IN ('tenancy_migrations', 'tenancy_move_beacon', 'tenancy_move_marks'))::int,
               coalesce(sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'p') AND c.relname NOT IN ('tenancy_move_beacon', 'tenancy_move_marks')), 0)::bigint,
               coalesce(sum(greatest(c.reltuples, 0)) FILTER (WHERE c.relkind IN ('r', 'p') AND c.relname NOT IN ('tenancy_migrations', 'tenancy_move_beacon', 'tenancy_move_marks')), 0)::bigint,
               (SELECT md5(coalesce(string_agg(t.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY t.relname, a.attnum), ''))
                  FROM pg_class t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE t.relnamespace = n.oid AND t.relkind IN ('r', 'p') AND t.relname NOT IN ('tenancy_migrations', 'tenancy_move_beacon', 'tenancy_move_marks'))
          FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
         WHERE n.nspname = ANY($1)
         GROUP BY n.oid, n.nspname
        """;

    internal sealed record SchemaFacts(int Tables, long Size, long Rows, string Fingerprint, int? Version);

    /// <summary>Facts about every schema named, on one connection to the database holding them.</summary>
    internal static async Task<Dictionary<string, SchemaFacts>> ReadAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, CancellationToken cancellationToken)
    {
        var facts = new Dictionary<string, (int, long, long, string)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(PerSchemaSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = schemas.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                facts[reader.GetString(0)] = (reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4));
            }
        }

        // Versions: one UNION ALL over the schemas that have a history table, 500 at a time (names from the catalog, quoted).
        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        var withHistory = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'tenancy_migrations' WHERE n.nspname = ANY($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = schemas.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                withHistory.Add(reader.GetString(0));
            }
        }

        foreach (var chunk in withHistory.Chunk(500))
        {
            var sql = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : " UNION ALL ")
                   .Append("SELECT ").Append(i).Append(", coalesce(max(version), 0) FROM ")
                   .Append(PostgresNames.Quote(chunk[i])).Append(".tenancy_migrations");
            }

            await using var command = new NpgsqlCommand(sql.ToString(), connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions[chunk[reader.GetInt32(0)]] = reader.GetInt32(1);
            }
        }

        return facts.ToDictionary(
            f => f.Key,
            f => new SchemaFacts(f.Value.Item1, f.Value.Item2, f.Value.Item3, f.Value.Item4, versions.TryGetValue(f.Key, out var v) ? v : 0),
            StringComparer.Ordinal);
    }
}
