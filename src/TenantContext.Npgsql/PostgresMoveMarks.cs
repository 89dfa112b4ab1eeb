using System.Globalization;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// What changed on an online move's target while it was compared: a side table <see cref="MarksTable"/> in the target's
/// schema and, on every copied table, a row trigger enabled ALWAYS — so it fires for the replication apply worker too,
/// and for any other writer — that records, in the writing transaction, the table, the key range
/// (<see cref="PostgresKeyRanges"/>) of the old and new row, and that transaction's id. A mark commits exactly when its
/// change commits; <see cref="ChangedSinceAsync"/> reads the ranges changed by transactions a snapshot does not see. A
/// TRUNCATE fires no row trigger (and the apply worker fires no statement trigger): it gives the table a new file, which
/// <see cref="FilenodeSql"/> shows. Triggers, functions and the table are removed before the switch (and swept by name,
/// <see cref="SweepSql"/>, after an interrupted attempt).
/// </summary>
internal static class PostgresMoveMarks
{
    internal const string MarksTable = "tenancy_move_marks";
    private const string FunctionPrefix = "tenancy_move_mark_";
    private const string Trigger = "tenancy_move_mark";

    /// <summary>Creates the marks table and each table's trigger, in one transaction on the target (as a superuser).</summary>
    internal static async Task InstallAsync(NpgsqlConnection targetAdmin, string schema, IReadOnlyList<PostgresKeyRanges> tables, CancellationToken cancellationToken)
    {
        var s = PostgresNames.Quote(schema);
        var marks = $"{s}.{PostgresNames.Quote(MarksTable)}";
        var sql = new List<string>
        {
            $"CREATE TABLE {marks} (tbl text NOT NULL, bucket int NOT NULL, xact xid8 NOT NULL DEFAULT pg_current_xact_id(), PRIMARY KEY (tbl, bucket, xact))",
        };
        for (var i = 0; i < tables.Count; i++)
        {
            var t = tables[i];
            var table = $"{s}.{PostgresNames.Quote(t.Table)}";
            var function = $"{s}.{PostgresNames.Quote(FunctionPrefix + i.ToString(CultureInfo.InvariantCulture))}";
            var name = PostgresTenantCatalog.Literal(t.Table);
            sql.Add($"""
                CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN
                    INSERT INTO {marks} (tbl, bucket) VALUES ({name}, {t.BucketSql("OLD")}) ON CONFLICT DO NOTHING;
                  END IF;
                  IF TG_OP <> 'DELETE' THEN
                    INSERT INTO {marks} (tbl, bucket) VALUES ({name}, {t.BucketSql("NEW")}) ON CONFLICT DO NOTHING;
                  END IF;
                  RETURN NULL;
                END $f$
                """);
            sql.Add($"CREATE TRIGGER {Trigger} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()");
            sql.Add($"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {Trigger}");
        }

        await using var transaction = await targetAdmin.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var statement in sql)
        {
            await using var command = new NpgsqlCommand(statement, targetAdmin, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ranges of <paramref name="table"/> changed on the target by transactions that <paramref name="snapshot"/> (a <c>pg_current_snapshot()</c> text) does not see.</summary>
    internal static async Task<HashSet<int>> ChangedSinceAsync(NpgsqlConnection targetAdmin, string schema, string table, string snapshot, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT DISTINCT bucket FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(MarksTable)} WHERE tbl = $1 AND NOT pg_visible_in_snapshot(xact, $2::pg_snapshot)",
            targetAdmin);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        command.Parameters.Add(new NpgsqlParameter { Value = snapshot });
        var changed = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changed.Add(reader.GetInt32(0));
        }

        return changed;
    }

    /// <summary>Deletes the marks of <paramref name="table"/> that every snapshot given sees (they can make no range dirty any more).</summary>
    internal static async Task ForgetSeenAsync(NpgsqlConnection targetAdmin, string schema, string table, IReadOnlyList<string> snapshots, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(MarksTable)} WHERE tbl = $1" +
            string.Concat(snapshots.Select((_, i) => FormattableString.Invariant($" AND pg_visible_in_snapshot(xact, ${i + 2}::pg_snapshot)"))),
            targetAdmin);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        foreach (var snapshot in snapshots)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = snapshot });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SQL of a table's file number as the running statement's snapshot sees it (an SQL read of <c>pg_class</c>, not the
    /// catalog cache): a TRUNCATE, a VACUUM FULL or a CLUSTER gives the table a new one.
    /// </summary>
    internal static string FilenodeSql(string schema, string table) =>
        "(SELECT c.relfilenode::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        $"WHERE n.nspname = {PostgresTenantCatalog.Literal(schema)} AND c.relname = {PostgresTenantCatalog.Literal(table)})";

    /// <summary>Drops the triggers (with their functions) and the marks table from a schema, whichever exist.</summary>
    internal static string SweepSql(string schema) =>
        "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
        $"WHERE n.nspname = {PostgresTenantCatalog.Literal(schema)} AND p.proname LIKE 'tenancy\\_move\\_mark\\_%' LOOP EXECUTE 'DROP FUNCTION ' || f::text || ' CASCADE'; END LOOP; END $$; " +
        $"DROP TABLE IF EXISTS {PostgresNames.Quote(schema)}.{PostgresNames.Quote(MarksTable)}";
}
