using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

public sealed partial class TenantCatalog
{
    /// <summary>
    /// Splits one shared database (row-level isolation: a tenant column on every table) into a database per tenant. The
    /// source is opened read-only and never modified. Each tenant file receives the listed tables' schema (tables, their
    /// indexes and triggers) and that tenant's rows, gets the source's <c>user_version</c> (so the configured migrations
    /// continue from it), is verified row count by row count, and is renamed into place only when complete, then
    /// catalogued. A re-run after an interruption keeps the verified files it finds and finishes the rest.
    /// </summary>
    /// <param name="sourcePath">The shared database.</param>
    /// <param name="tenantColumn">The column that holds the tenant's slug in every listed table.</param>
    /// <param name="tables">The tables to split (others are not copied).</param>
    /// <param name="dryRun">Only report which tenants and row counts would be created.</param>
    /// <param name="progress">Receives a report after each tenant (called on the worker thread).</param>
    /// <param name="cancellationToken">Stops between tenants.</param>
    /// <returns>One result per tenant found in the source, the tenant values that are not valid slugs, and rows without a tenant.</returns>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="ArgumentException">A table or the tenant column does not exist in the source.</exception>
    public Task<TenantSplitReport> SplitSharedDatabaseAsync(string sourcePath, string tenantColumn, IReadOnlyList<string> tables, bool dryRun = false,
        IProgress<TenantSplitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantColumn);
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count == 0)
        {
            throw new ArgumentException("List at least one table to split.", nameof(tables));
        }

        var source = System.IO.Path.GetFullPath(sourcePath);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"The shared database {source} does not exist. Pass the path of the database to split.", source);
        }

        return Run(() => Split(source, tenantColumn, tables, dryRun, progress, cancellationToken), cancellationToken);
    }

    private TenantSplitReport Split(string source, string column, IReadOnlyList<string> tables, bool dryRun, IProgress<TenantSplitProgress>? progress, CancellationToken cancellationToken)
    {
        using var reader = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(source, SqliteOpenMode.ReadOnly, pooling: false));
        reader.Open();
        SqliteMigrator.Execute(reader, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_router.BusyTimeoutMilliseconds};"));
        int sourceVersion = SqliteMigrator.ReadVersion(reader, null);
        var schema = new List<string>();
        foreach (var table in tables)
        {
            schema.AddRange(ReadSchema(reader, source, table, column));
        }

        // Every tenant value across the tables, and the rows that cannot be placed.
        var values = new SortedSet<string>(StringComparer.Ordinal);
        var invalid = new SortedSet<string>(StringComparer.Ordinal);
        long withoutTenant = 0;
        foreach (var table in tables)
        {
            using var command = reader.CreateCommand();
            command.CommandText = $"SELECT {Quote(column)}, count(*) FROM {Quote(table)} GROUP BY 1;";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                if (rows.IsDBNull(0))
                {
                    withoutTenant += rows.GetInt64(1);
                    continue;
                }

                var value = Convert.ToString(rows.GetValue(0), CultureInfo.InvariantCulture) ?? string.Empty;
                if (rows.GetFieldType(0) == typeof(string) && TenantSlug.IsValid(value))
                {
                    values.Add(value);
                }
                else
                {
                    invalid.Add(value);
                }
            }
        }

        var results = new List<TenantSplitResult>(values.Count);
        foreach (var slug in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var table in tables)
            {
                using var command = reader.CreateCommand();
                command.CommandText = $"SELECT count(*) FROM {Quote(table)} WHERE {Quote(column)} = $tenant;";
                command.Parameters.AddWithValue("$tenant", slug);
                counts[table] = (long)command.ExecuteScalar()!;
            }

            var path = _router.GetDatabasePath(slug);
            TenantSplitResult result;
            if (dryRun)
            {
                result = File.Exists(path)
                    ? Verify(slug, path, counts, tables) is { } mismatch
                        ? new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch)
                        : new TenantSplitResult(slug, path, counts, TenantSplitOutcome.AlreadyPresent, null)
                    : new TenantSplitResult(slug, path, counts, TenantSplitOutcome.WouldCreate, null);
            }
            else
            {
                result = SplitOne(source, column, tables, schema, sourceVersion, slug, path, counts);
            }

            results.Add(result);
            progress?.Report(new TenantSplitProgress(results.Count, values.Count, result));
        }

        return new TenantSplitReport(dryRun, sourceVersion, results, invalid.ToArray(), withoutTenant);
    }

    private TenantSplitResult SplitOne(string source, string column, IReadOnlyList<string> tables, List<string> schema, int sourceVersion, string slug, string path, Dictionary<string, long> counts)
    {
        try
        {
            if (File.Exists(path))
            {
                if (Verify(slug, path, counts, tables) is { } mismatch)
                {
                    return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch);
                }

                CatalogIfMissing(slug);
                return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.AlreadyPresent, null);
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var temporary = path + ".split-tmp";
            DeleteLeftovers(temporary);
            try
            {
                // A file: URI makes SQLite honour the URI given to ATTACH, so the source is attached with mode=ro.
                using (var writer = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(new Uri(temporary).AbsoluteUri, SqliteOpenMode.ReadWriteCreate, pooling: false)))
                {
                    writer.Open();
                    // The file is not in place until the rename, so it needs no journal: a crash leaves a temporary file the next run removes.
                    SqliteMigrator.Execute(writer, null, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
                    using (var attach = writer.CreateCommand())
                    {
                        attach.CommandText = "ATTACH DATABASE $source AS source;";
                        attach.Parameters.AddWithValue("$source", new Uri(source).AbsoluteUri + "?mode=ro");
                        attach.ExecuteNonQuery();
                    }

                    using (var transaction = writer.BeginTransaction())
                    {
                        foreach (var statement in schema)
                        {
                            SqliteMigrator.Execute(writer, transaction, statement);
                        }

                        foreach (var table in tables)
                        {
                            using var copy = writer.CreateCommand();
                            copy.Transaction = transaction;
                            copy.CommandText = $"INSERT INTO main.{Quote(table)} SELECT * FROM source.{Quote(table)} WHERE {Quote(column)} = $tenant;";
                            copy.Parameters.AddWithValue("$tenant", slug);
                            copy.ExecuteNonQuery();
                        }

                        SqliteMigrator.Execute(writer, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {sourceVersion};"));
                        transaction.Commit();
                    }

                    SqliteMigrator.Execute(writer, null, "DETACH DATABASE source;");
                    if (Verify(slug, writer, counts, tables) is { } mismatch)
                    {
                        return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch);
                    }

                    SqliteMigrator.Execute(writer, null, _router.JournalMode == SqliteJournalMode.Wal
                        ? "PRAGMA journal_mode = WAL;"
                        : "PRAGMA journal_mode = DELETE;");
                }

                File.Move(temporary, path, overwrite: false);
            }
            finally
            {
                DeleteLeftovers(temporary);
            }

            CatalogIfMissing(slug);
            return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Created, null);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static void DeleteLeftovers(string temporary)
    {
        foreach (var leftover in new[] { temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm" })
        {
            if (File.Exists(leftover))
            {
                File.Delete(leftover);
            }
        }
    }

    private static IEnumerable<string> ReadSchema(SqliteConnection reader, string source, string table, string column)
    {
        string? create;
        using (var command = reader.CreateCommand())
        {
            command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table;";
            command.Parameters.AddWithValue("$table", table);
            create = command.ExecuteScalar() as string;
        }

        if (create is null)
        {
            throw new ArgumentException($"The shared database {source} has no table \"{table}\". List the tables to split exactly as they are named in the source.", nameof(table));
        }

        using (var command = reader.CreateCommand())
        {
            command.CommandText = "SELECT count(*) FROM pragma_table_info($table) WHERE name = $column;";
            command.Parameters.AddWithValue("$table", table);
            command.Parameters.AddWithValue("$column", column);
            if ((long)command.ExecuteScalar()! == 0)
            {
                throw new ArgumentException(
                    $"Table \"{table}\" of {source} has no column \"{column}\". Every listed table needs the tenant column; leave shared tables out of the list.", nameof(column));
            }
        }

        var statements = new List<string> { create };
        using (var command = reader.CreateCommand())
        {
            command.CommandText = "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = $table AND sql IS NOT NULL ORDER BY type, name;";
            command.Parameters.AddWithValue("$table", table);
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                statements.Add(rows.GetString(0));
            }
        }

        return statements;
    }

    private static string? Verify(string slug, string path, Dictionary<string, long> expected, IReadOnlyList<string> tables)
    {
        using var connection = new SqliteConnection(SqliteTenantDatabases.ConnectionStringFor(path, SqliteOpenMode.ReadOnly, pooling: false));
        connection.Open();
        try
        {
            return Verify(slug, connection, expected, tables);
        }
        catch (SqliteException ex)
        {
            return $"{path} exists but cannot be read as this tenant's split ({ex.Message}). Move it aside and run the split again.";
        }
    }

    private static string? Verify(string slug, SqliteConnection connection, Dictionary<string, long> expected, IReadOnlyList<string> tables)
    {
        foreach (var table in tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM main.{Quote(table)};";
            long actual = (long)command.ExecuteScalar()!;
            if (actual != expected[table])
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"Tenant '{slug}': table \"{table}\" has {actual} rows in {connection.DataSource} but {expected[table]} in the source. ") +
                    "The file was not put in place (or, if it already existed, left as it is): move it aside and run the split again.";
            }
        }

        return null;
    }

    private void CatalogIfMissing(string slug)
    {
        using var connection = OpenCatalog();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO tenants (slug, state, created_at) VALUES ($slug, 'active', $created);";
        command.Parameters.AddWithValue("$slug", slug);
        command.Parameters.AddWithValue("$created", TruncateToSeconds(DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
