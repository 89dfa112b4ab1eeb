using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

public sealed partial class TenantCatalog
{
    /// <summary>
    /// Splits one shared database (row-level isolation: a tenant column on every table) into a database per tenant. The
    /// source is opened read-only and never modified. Each tenant file receives the listed tables (the rows first, then the
    /// indexes and triggers, so no trigger of the source fires during the copy) and that tenant's rows, gets the source's
    /// <c>user_version</c> (so the configured migrations continue from it), is verified table by table (row count and an
    /// ordered hash of every row), fsynced, published without replacing any file, its folder fsynced, and then catalogued.
    /// A re-run after an interruption keeps the files it finds that verify, and finishes the rest.
    /// </summary>
    /// <param name="sourcePath">The shared database.</param>
    /// <param name="tenantColumn">The column that holds the tenant's slug in every listed table.</param>
    /// <param name="tables">The tables to split (others are not copied).</param>
    /// <param name="dryRun">Only report which tenants and row counts would be created.</param>
    /// <param name="progress">Receives a report after each tenant (called on the worker thread).</param>
    /// <param name="cancellationToken">Honoured between tenants and between tables (on a thread-pool thread: SQLite has no asynchronous I/O).</param>
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

        return Run(ct => Split(source, tenantColumn, tables, dryRun, progress, ct), cancellationToken);
    }

    private TenantSplitReport Split(string sourcePath, string column, IReadOnlyList<string> tables, bool dryRun, IProgress<TenantSplitProgress>? progress, CancellationToken cancellationToken)
    {
        using var source = new SplitSource(sourcePath, column, tables, _router.BusyTimeoutMilliseconds);
        var (values, invalid, withoutTenant) = source.TenantValues();
        var results = new List<TenantSplitResult>(values.Count);
        foreach (var slug in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var counts = source.Counts(slug);
            var path = _router.GetDatabasePath(slug);
            TenantSplitResult result;
            if (dryRun)
            {
                result = File.Exists(path)
                    ? Verify(slug, path, counts, source.Hashes(slug), tables) is { } mismatch
                        ? new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch)
                        : new TenantSplitResult(slug, path, counts, TenantSplitOutcome.AlreadyPresent, null)
                    : new TenantSplitResult(slug, path, counts, TenantSplitOutcome.WouldCreate, null);
            }
            else
            {
                result = SplitOne(source, slug, path, counts, cancellationToken);
            }

            results.Add(result);
            progress?.Report(new TenantSplitProgress(results.Count, values.Count, result));
        }

        return new TenantSplitReport(dryRun, source.Version, results, invalid.ToArray(), withoutTenant);
    }

    private TenantSplitResult SplitOne(SplitSource source, string slug, string path, Dictionary<string, long> counts, CancellationToken cancellationToken)
    {
        try
        {
            var expected = source.Hashes(slug);
            if (File.Exists(path))
            {
                if (Verify(slug, path, counts, expected, source.Tables) is { } mismatch)
                {
                    return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch);
                }

                CatalogIfMissing(slug);
                return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.AlreadyPresent, null);
            }

            DurableFiles.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var temporary = path + ".split-tmp";
            DurableFiles.DeleteTemporary(temporary);
            try
            {
                // A file: URI makes SQLite honour the URI given to ATTACH, so the source is attached with mode=ro.
                using (var writer = new SqliteConnection(SqliteConnections.ConnectionString(new Uri(temporary).AbsoluteUri, SqliteOpenMode.ReadWriteCreate, pooling: false)))
                {
                    writer.Open();
                    // The file is not in place until it is published, so it needs no journal: a crash leaves a temporary file the next run removes.
                    SqliteConnections.Execute(writer, null, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
                    using (var attach = writer.CreateCommand())
                    {
                        attach.CommandText = "ATTACH DATABASE $source AS source;";
                        attach.Parameters.AddWithValue("$source", new Uri(source.Path).AbsoluteUri + "?mode=ro");
                        attach.ExecuteNonQuery();
                    }

                    using (var transaction = writer.BeginTransaction())
                    {
                        // Tables, then rows, then indexes and triggers: no trigger of the source fires during the copy.
                        foreach (var table in source.Tables)
                        {
                            SqliteConnections.Execute(writer, transaction, source.Creates[table]);
                        }

                        foreach (var table in source.Tables)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            using var copy = writer.CreateCommand();
                            copy.Transaction = transaction;
                            copy.CommandText = $"INSERT INTO main.{SqliteConnections.Quote(table)} SELECT * FROM source.{SqliteConnections.Quote(table)} WHERE {SqliteConnections.Quote(source.Column)} = $tenant;";
                            copy.Parameters.AddWithValue("$tenant", slug);
                            copy.ExecuteNonQuery();
                        }

                        foreach (var statement in source.IndexesAndTriggers)
                        {
                            SqliteConnections.Execute(writer, transaction, statement);
                        }

                        SqliteConnections.Execute(writer, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {source.Version};"));
                        transaction.Commit();
                    }

                    SqliteConnections.Execute(writer, null, "DETACH DATABASE source;");
                    if (Verify(slug, writer, counts, expected, source.Tables) is { } mismatch)
                    {
                        return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, mismatch);
                    }

                    SqliteConnections.Execute(writer, null, _router.JournalMode == SqliteJournalMode.Wal ? "PRAGMA journal_mode = WAL;" : "PRAGMA journal_mode = DELETE;");
                }

                DurableFiles.FlushFile(temporary);
                if (!DurableFiles.PublishWithoutReplacing(temporary, path))
                {
                    return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed,
                        $"{path} appeared while the split was writing tenant '{slug}' (another process made it). It was left as it is: run the split again to verify it.");
                }
            }
            finally
            {
                DurableFiles.DeleteTemporary(temporary);
            }

            CatalogIfMissing(slug);
            return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Created, null);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            return new TenantSplitResult(slug, path, counts, TenantSplitOutcome.Failed, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static string? Verify(string slug, string path, Dictionary<string, long> counts, Dictionary<string, string> hashes, IReadOnlyList<string> tables)
    {
        using var connection = new SqliteConnection(SqliteConnections.ConnectionString(path, SqliteOpenMode.ReadOnly, pooling: false));
        connection.Open();
        try
        {
            return Verify(slug, connection, counts, hashes, tables);
        }
        catch (SqliteException ex)
        {
            return $"{path} exists but cannot be read as this tenant's split ({ex.Message}). Move it aside and run the split again.";
        }
    }

    /// <summary>Compares row counts, then an ordered hash of every row, table by table.</summary>
    private static string? Verify(string slug, SqliteConnection connection, Dictionary<string, long> counts, Dictionary<string, string> hashes, IReadOnlyList<string> tables)
    {
        foreach (var table in tables)
        {
            long actual = (long)SqliteConnections.Scalar(connection, null, $"SELECT count(*) FROM main.{SqliteConnections.Quote(table)};")!;
            if (actual != counts[table])
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"Tenant '{slug}': table \"{table}\" has {actual} rows in {connection.DataSource} but {counts[table]} in the source. ") +
                    "The file was not put in place (or, if it already existed, left as it is): move it aside and run the split again.";
            }

            using var command = connection.CreateCommand();
            command.CommandText = SplitSource.OrderedSelect(connection, "main", table, null);
            if (!string.Equals(SplitSource.Hash(command), hashes[table], StringComparison.Ordinal))
            {
                return $"Tenant '{slug}': table \"{table}\" in {connection.DataSource} has the source's row count but not its rows (the ordered hash differs: " +
                    "a trigger or a default rewrote them, or the file is from another run). The file was not put in place (or, if it already existed, left " +
                    "as it is): move it aside and run the split again.";
            }
        }

        return null;
    }

    private void CatalogIfMissing(string slug)
    {
        using (var connection = OpenCatalog())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT OR IGNORE INTO tenants (slug, state, created_at) VALUES ($slug, 'active', $created);";
            command.Parameters.AddWithValue("$slug", slug);
            command.Parameters.AddWithValue("$created", TruncateToSeconds(DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        _router.Changed(slug, releasePool: false);
    }
}
