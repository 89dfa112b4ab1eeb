using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>Copies a template schema tenant's rows into a new schema tenant at the same version (tables in creation order, then sequences).</summary>
internal static class PostgresTemplateCopy
{
    internal static async Task CopyAsync(NpgsqlConnection target, PostgresTenantRecord template, PostgresPlacement placement, CancellationToken cancellationToken)
    {
        if (template.Shard != placement.Shard)
        {
            throw new NotSupportedException($"The template '{template.Slug}' lives on shard '{template.Shard}': create the tenant on that shard to copy from it.");
        }

        var from = PostgresNames.Quote(template.SchemaName);
        await using var transaction = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> $2 ORDER BY c.oid", target, transaction))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = template.SchemaName });
            list.Parameters.Add(new NpgsqlParameter { Value = PostgresMigrator.HistoryTable });
            await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            var t = PostgresNames.Quote(table);
            await using var copy = new NpgsqlCommand($"INSERT INTO {t} OVERRIDING SYSTEM VALUE SELECT * FROM {from}.{t}", target, transaction);
            await copy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var sequences = new NpgsqlCommand(
            "SELECT setval(format('%I', s.sequencename)::regclass, s.last_value) FROM pg_sequences s WHERE s.schemaname = $1 AND s.last_value IS NOT NULL",
            target, transaction))
        {
            sequences.Parameters.Add(new NpgsqlParameter { Value = template.SchemaName });
            await sequences.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
