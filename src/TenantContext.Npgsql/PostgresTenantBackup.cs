using System.Data;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// A tenant's backup and its restore (<see cref="PostgresTenantCatalog.BackupAsync"/>, <see cref="PostgresTenantCatalog.RestoreBackupAsync"/>):
/// a ZIP of binary COPY streams, one per table, read at one snapshot, and a manifest (<see cref="PostgresBackupManifest"/>)
/// with the schema version, the steps, each table's row count, ordered hash and SHA-256. The schema comes from the app's
/// migrations, so the file needs nothing outside this package to write or read.
/// </summary>
/// <remarks>
/// A restore checks the whole file first (ZIP structure, every entry's SHA-256, the format, the migrations), then builds
/// the tenant in <b>one transaction</b>: the schema (and role) or the database's <c>public</c> schema is made (or dropped and
/// made again, to replace), the steps up to the backup's version run, the rows are loaded, every table is verified against the
/// manifest (count and hash), the sequences are set, and the later steps run on the restored rows. Anything wrong, or a
/// cancellation, rolls all of it back; only a new database tenant's <c>CREATE DATABASE</c> cannot be part of the
/// transaction, and it is dropped again. The catalog record is written last.
/// </remarks>
internal sealed class PostgresTenantBackup(PostgresTenantDatabases router, PostgresTenantCatalog catalog)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Text output that does not depend on the session or server settings, so row hashes compare across servers.</summary>
    private const string StableText =
        "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), " +
        "set_config('extra_float_digits', '3', true), set_config('bytea_output', 'hex', true)";

    private PostgresTenantOptions Options => router.Options;

    /// <summary>A table as a backup reads it: its copied columns and, for a rows tenant, its tenant column and filter.</summary>
    private sealed record Source(string Name, IReadOnlyList<string> Columns, string? TenantColumn, string Filter);

    public async Task<PostgresBackupManifest> BackupAsync(string tenant, Stream destination, CancellationToken cancellationToken)
    {
        TenantSlug.Validate(tenant);
        ArgumentNullException.ThrowIfNull(destination);
        var record = await catalog.ReadAsync(tenant, true, cancellationToken).ConfigureAwait(false)
            ?? throw new TenantUnavailableException(tenant, TenantUnavailableReason.NotFound,
                $"Tenant '{tenant}' is not in the PostgreSQL catalog: there is nothing to back up. Check the name (catalog.ListAsync() lists them).");
        var placement = PostgresPlacement.From(record, router.RoleFor(record.Isolation, record.SchemaName));
        var rows = placement.Isolation == PostgresIsolation.Rows;
        await using var connection = rows
            ? await router.OpenShardConnectionAsync(placement.Shard, cancellationToken).ConfigureAwait(false)
            : await router.OpenAsync(placement, setTenant: false, migrate: false, async: true, cancellationToken).ConfigureAwait(false);
        if (await PostgresLargeObjects.FindAsync(connection, placement, Options, cancellationToken).ConfigureAwait(false) is { } largeObjects)
        {
            throw new PostgresTenantException(tenant,
                $"Tenant '{tenant}' cannot be backed up: its data is partly in large objects ({largeObjects}), which live outside its tables, " +
                "and a backup holds tables only, so a restore would bring back ids that name nothing. Nothing was written. Keep that data in a " +
                "bytea column instead (a migration step that fills one from lo_get and unlinks the large objects), then back up.");
        }

        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, StableText, cancellationToken).ConfigureAwait(false);
        if (rows)
        {
            await PostgresRowsCopy.SetTenantAsync(connection, transaction, placement, cancellationToken).ConfigureAwait(false);
        }

        var version = await PostgresMigrator.ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var steps = await ReadStepsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var schema = placement.SchemaName;
        var sources = await ListAsync(connection, transaction, placement, cancellationToken).ConfigureAwait(false);
        var tables = new List<PostgresBackupTable>(sources.Count);
        await using (var zip = await ZipArchive.CreateAsync(destination, ZipArchiveMode.Create, true, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var source in sources)
            {
                var entryName = $"tables/{tables.Count + 1:D4}.bin";
                var types = await TypesAsync(connection, transaction, schema, source.Name, source.Columns, cancellationToken).ConfigureAwait(false);
                var (count, hash) = await HashAsync(connection, transaction, schema, source, cancellationToken).ConfigureAwait(false);
                var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest);
                long bytes;
                string sha;
                await using (var output = await entry.OpenAsync(cancellationToken).ConfigureAwait(false))
                {
                    (bytes, sha) = await CopyOutAsync(connection, schema, source, output, cancellationToken).ConfigureAwait(false);
                }

                tables.Add(new PostgresBackupTable(source.Name, entryName, source.Columns, types, source.TenantColumn, count, hash, bytes, sha));
            }

            var sequences = (await PostgresTableCopy.SequencesAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false))
                .Select(s => new PostgresBackupSequence(s.Name, s.LastValue)).ToList();
            var manifest = new PostgresBackupManifest(PostgresBackupManifest.FormatName, PostgresBackupManifest.CurrentFormatVersion, tenant, record.Isolation,
                record.Shard, version, steps, DateTimeOffset.UtcNow, connection.PostgreSqlVersion.ToString(), tables, sequences);
            var manifestEntry = zip.CreateEntry(PostgresBackupManifest.EntryName, CompressionLevel.Fastest);
            await using (var output = await manifestEntry.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(output, manifest, s_json, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return manifest;
        }
    }

    public async Task<PostgresRestoreReport> RestoreAsync(string tenant, Stream source, bool replace, string? shard, CancellationToken cancellationToken)
    {
        TenantSlug.Validate(tenant);
        ArgumentNullException.ThrowIfNull(source);
        if (shard is not null && !Options.Shards.ContainsKey(shard))
        {
            throw new ArgumentException($"Shard '{shard}' is not configured. Configured shards: {string.Join(", ", Options.Shards.Keys)}.", nameof(shard));
        }

        await using var zip = await OpenAsync(tenant, source, cancellationToken).ConfigureAwait(false);
        var manifest = await VerifyAsync(tenant, zip, cancellationToken).ConfigureAwait(false);
        CheckMigrations(tenant, manifest);
        await catalog.EnsureCreatedAsync(true, cancellationToken).ConfigureAwait(false);
        var existing = await catalog.ReadAsync(tenant, true, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            if (!replace)
            {
                throw new TenantAlreadyExistsException(tenant,
                    $"Tenant '{tenant}' exists: restoring the backup replaces all of its data. Pass replace: true (tenantctl: --yes) to confirm, or restore under another name.");
            }

            if (existing.Isolation != manifest.Isolation)
            {
                throw new PostgresBackupException(tenant,
                    $"Tenant '{tenant}' is a {Text(existing.Isolation)} tenant and the backup is of a {Text(manifest.Isolation)} tenant: a restore does not change " +
                    "isolation. Restore under another name (then move it: MoveAsync / `tenantctl move`), or delete the tenant first. Nothing was changed.");
            }

            if (existing.IsMoving)
            {
                throw new PostgresTenantException(tenant, $"Tenant '{tenant}' is being moved: let the move finish (or run it again to roll it back), then restore. Nothing was changed.");
            }

            var placement = PostgresPlacement.From(existing, router.RoleFor(existing.Isolation, existing.SchemaName));
            router.CatalogChanged(tenant, dropPools: true);
            await RestoreIntoAsync(placement, manifest, zip, replacing: true, cancellationToken).ConfigureAwait(false);
            var version = placement.Isolation == PostgresIsolation.Rows ? manifest.Version : router.Migrator.LatestVersion;
            await catalog.RecordVersionAsync(tenant, version, null, CancellationToken.None).ConfigureAwait(false);
            router.CatalogChanged(tenant, dropPools: true);
            var updated = await catalog.ReadAsync(tenant, true, CancellationToken.None).ConfigureAwait(false);
            return new PostgresRestoreReport(updated!, manifest, Replaced: true);
        }

        return new PostgresRestoreReport(await CreateFromAsync(tenant, manifest, zip, shard, cancellationToken).ConfigureAwait(false), manifest, Replaced: false);
    }

    private async Task<PostgresTenantRecord> CreateFromAsync(string tenant, PostgresBackupManifest manifest, ZipArchive zip, string? shard, CancellationToken cancellationToken)
    {
        if (string.Equals(tenant, Options.PublicSchemaTenant, StringComparison.Ordinal))
        {
            throw new TenantAlreadyExistsException(tenant, $"Tenant '{tenant}' is the PublicSchemaTenant: its data is the default shard's public schema. Restore under another name.");
        }

        shard ??= Options.Shards.ContainsKey(manifest.Shard) ? manifest.Shard : Options.DefaultShard!;
        var how = manifest.Isolation;
        var schema = how == PostgresIsolation.Schema ? PostgresNames.Expand(Options.SchemaTemplate, tenant, "schema") : "public";
        var database = how == PostgresIsolation.Database ? PostgresNames.Expand(Options.DatabaseTemplate, tenant, "database") : router.ShardPlacement(shard).DatabaseName;
        long key;
        await using (var next = catalog.DataSource.CreateCommand("SELECT nextval(pg_get_serial_sequence('tenancy.tenants', 'key'))"))
        {
            key = (long)(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var placement = new PostgresPlacement(tenant, key, shard, how, schema, database, 1, router.RoleFor(how, schema));
        var made = false;
        var loaded = false;
        try
        {
            if (how != PostgresIsolation.Schema)
            {
                // A database tenant's CREATE DATABASE cannot be in a transaction (dropped again on failure); a rows tenant's shard is migrated.
                made = await catalog.ProvisionAsync(placement, existingRole: false, cancellationToken).ConfigureAwait(false);
            }

            await RestoreIntoAsync(placement, manifest, zip, replacing: false, cancellationToken).ConfigureAwait(false);
            loaded = true;
            var version = how == PostgresIsolation.Rows ? manifest.Version : router.Migrator.LatestVersion;
            await using var insert = catalog.DataSource.CreateCommand(
                "INSERT INTO tenancy.tenants (key, slug, shard, isolation, schema_name, database_name, version) " +
                $"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PostgresTenantCatalog.Columns}");
            insert.Parameters.Add(new NpgsqlParameter { Value = key });
            insert.Parameters.Add(new NpgsqlParameter { Value = tenant });
            insert.Parameters.Add(new NpgsqlParameter { Value = shard });
            insert.Parameters.Add(new NpgsqlParameter { Value = PostgresTenantCatalog.IsolationText(how) });
            insert.Parameters.Add(new NpgsqlParameter { Value = schema });
            insert.Parameters.Add(new NpgsqlParameter { Value = database });
            insert.Parameters.Add(new NpgsqlParameter { Value = version });
            await using var reader = await insert.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false); // loaded: finish
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var record = PostgresTenantCatalog.Read(reader);
            router.CatalogChanged(tenant, dropPools: false);
            return record;
        }
        catch (Exception ex) when (made || loaded)
        {
            router.CatalogChanged(tenant, dropPools: true);
            if (how == PostgresIsolation.Rows)
            {
                await using var connection = await router.OpenShardConnectionAsync(shard, CancellationToken.None).ConfigureAwait(false);
                await PostgresRowsCopy.DeleteAsync(connection, placement, Options, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await catalog.DropDataAsync(placement, CancellationToken.None).ConfigureAwait(false);
            }

            if (ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                throw new TenantAlreadyExistsException(tenant, $"Tenant '{tenant}' was created by another process meanwhile; the restored copy was removed.");
            }

            throw;
        }
    }

    /// <summary>Builds the placement from the backup in one transaction (see the class remarks); nothing remains when it throws.</summary>
    private async Task RestoreIntoAsync(PostgresPlacement placement, PostgresBackupManifest manifest, ZipArchive zip, bool replacing, CancellationToken cancellationToken)
    {
        var tenant = placement.Slug;
        var rows = placement.Isolation == PostgresIsolation.Rows;
        var schema = placement.SchemaName;
        await using var connection = placement.Isolation == PostgresIsolation.Database
            ? await router.OpenAsync(placement, setTenant: false, migrate: false, async: true, cancellationToken).ConfigureAwait(false)
            : await router.OpenShardConnectionAsync(placement.Shard, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "SELECT set_config('lock_timeout', '30s', true)", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, StableText, cancellationToken).ConfigureAwait(false);
        await using (var guard = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresMigrator.AdvisoryLockNamespace}, hashtext($1))", connection, transaction))
        {
            guard.Parameters.Add(new NpgsqlParameter { Value = PostgresMigrator.LockName(placement) });
            await guard.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            switch (placement.Isolation)
            {
                case PostgresIsolation.Schema:
                    await MakeSchemaAsync(connection, transaction, placement, replacing, cancellationToken).ConfigureAwait(false);
                    break;
                case PostgresIsolation.Database when replacing:
                    await ExecuteAsync(connection, transaction,
                        "DROP SCHEMA public CASCADE; CREATE SCHEMA public; ALTER SCHEMA public OWNER TO pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC",
                        cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateSchema)
        {
            throw new TenantAlreadyExistsException(tenant,
                $"Tenant '{tenant}' cannot be restored: {placement.Where} already exists, left over from an earlier tenant. Delete it first " +
                $"(catalog.DeleteAsync(\"{tenant}\") / `tenantctl delete {tenant} --yes`), or restore under another name. Nothing was changed.");
        }

        if (rows)
        {
            await PostgresRowsCopy.SetTenantAsync(connection, transaction, placement, cancellationToken).ConfigureAwait(false);
            var shardVersion = await PostgresMigrator.ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (shardVersion != manifest.Version)
            {
                throw new PostgresBackupException(tenant,
                    $"The backup of rows tenant '{manifest.Tenant}' is at version {manifest.Version}, and the shared tables of shard '{placement.Shard}' are at " +
                    $"{shardVersion}: a rows tenant's rows can only go back into shared tables at the backup's version (they cannot be migrated for one " +
                    "tenant). Restore it as a schema tenant's data by hand, or into a shard at that version. Nothing was changed.");
            }

            if (replacing)
            {
                var (owned, _) = await PostgresRowsCopy.ListAsync(connection, transaction, schema, Options, cancellationToken).ConfigureAwait(false);
                foreach (var table in owned.Reverse())
                {
                    await ExecuteAsync(connection, transaction,
                        $"DELETE FROM {Qualified(schema, table.Name)}{PostgresRowsCopy.Filter(table, placement)}", cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else
        {
            await EnterAsync(connection, transaction, placement, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, PostgresMigrator.CreateHistorySql, cancellationToken).ConfigureAwait(false);
            foreach (var step in Options.Migrations.Where(s => s.Version <= manifest.Version))
            {
                await ApplyAsync(connection, transaction, placement, step, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var table in manifest.Tables)
        {
            await CheckColumnsAsync(connection, transaction, placement, manifest, table, cancellationToken).ConfigureAwait(false);
            var entry = zip.GetEntry(table.Entry)!;
            await using var input = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
            await CopyInAsync(connection, transaction, placement, table, input, cancellationToken).ConfigureAwait(false);
        }

        foreach (var table in manifest.Tables)
        {
            var filter = rows && table.TenantColumn is { } column
                ? $" WHERE {PostgresNames.Quote(column)} = " + (await IsTextAsync(connection, transaction, Qualified(schema, table.Name), column, cancellationToken).ConfigureAwait(false)
                    ? PostgresTenantCatalog.Literal(placement.Slug)
                    : placement.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : "";
            var source = new Source(table.Name, table.Columns, table.TenantColumn, filter);
            var (count, hash) = await HashAsync(connection, transaction, schema, source, cancellationToken).ConfigureAwait(false);
            if (count != table.Rows || !string.Equals(hash, table.Hash, StringComparison.Ordinal))
            {
                throw new PostgresBackupVerificationException(tenant, table.Name, $"backup: {table.Rows} rows, hash {table.Hash}; restored: {count} rows, hash {hash}");
            }
        }

        var present = (await PostgresTableCopy.SequencesAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false))
            .ToDictionary(s => s.Name, s => s.LastValue, StringComparer.Ordinal);
        foreach (var sequence in manifest.Sequences)
        {
            if (!present.TryGetValue(sequence.Name, out var current))
            {
                continue; // dropped by a later step: nothing to set
            }

            // A rows tenant's sequences are its shard's, shared with other tenants: raised, never lowered.
            if (!rows || (sequence.LastValue is { } last && (current is null || current < last)))
            {
                await PostgresTableCopy.SetSequenceAsync(connection, transaction, schema, sequence.Name, sequence.LastValue, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!rows)
        {
            foreach (var step in Options.Migrations.Where(s => s.Version > manifest.Version))
            {
                await ApplyAsync(connection, transaction, placement, step, cancellationToken).ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Makes the schema (and its role) in the transaction; to replace, drops the old schema first.</summary>
    private static async Task MakeSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, bool replacing, CancellationToken cancellationToken)
    {
        var schema = PostgresNames.Quote(placement.SchemaName);
        if (replacing)
        {
            await ExecuteAsync(connection, transaction, $"DROP SCHEMA IF EXISTS {schema} CASCADE", cancellationToken).ConfigureAwait(false);
        }

        if (placement.RoleName is not { } role)
        {
            await ExecuteAsync(connection, transaction, $"CREATE SCHEMA {schema}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var r = PostgresNames.Quote(role);
        await ExecuteAsync(connection, transaction,
            $"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {PostgresTenantCatalog.Literal(role)}) THEN CREATE ROLE {r} NOLOGIN; END IF; END $$; " +
            $"GRANT {r} TO CURRENT_USER; CREATE SCHEMA {schema} AUTHORIZATION {r}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the transaction's search path to exactly the schema (and its role), as a routed connection has them.</summary>
    private static async Task EnterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, CancellationToken cancellationToken)
    {
        if (placement.Isolation != PostgresIsolation.Schema)
        {
            return; // a database tenant's connection is routed to its public schema already
        }

        await using var enter = new NpgsqlCommand(
            placement.RoleName is null ? "SELECT set_config('search_path', $1, true)" : "SELECT set_config('search_path', $1, true), set_config('role', $2, true)",
            connection, transaction);
        enter.Parameters.Add(new NpgsqlParameter { Value = PostgresNames.Quote(placement.SchemaName) });
        if (placement.RoleName is not null)
        {
            enter.Parameters.Add(new NpgsqlParameter { Value = placement.RoleName });
        }

        await enter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, PostgresMigration step, CancellationToken cancellationToken)
    {
        try
        {
            await step.ApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PostgresTenantMigrationException(placement.Slug, placement.Where, step, step.Version - 1, ex);
        }

        await using var record = new NpgsqlCommand($"INSERT INTO {PostgresMigrator.HistoryTable} (version, name) VALUES ($1, $2)", connection, transaction);
        record.Parameters.Add(new NpgsqlParameter { Value = step.Version });
        record.Parameters.Add(new NpgsqlParameter { Value = step.Name });
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The target table must exist with the backup's columns and types (binary COPY is type-exact).</summary>
    private static async Task CheckColumnsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, PostgresBackupManifest manifest,
        PostgresBackupTable table, CancellationToken cancellationToken)
    {
        var found = await ColumnTypesAsync(connection, transaction, placement.SchemaName, table.Name, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            throw new PostgresBackupException(placement.Slug,
                $"The backup holds table \"{table.Name}\", which the migrations up to version {manifest.Version} do not make. Restore with the migrations of " +
                "the app that wrote the backup. Nothing was changed.");
        }

        var differing = table.Columns.Select((c, i) => (Column: c, Type: table.Types[i]))
            .Where(c => !found.TryGetValue(c.Column, out var type) || !string.Equals(type, c.Type, StringComparison.Ordinal))
            .Select(c => found.TryGetValue(c.Column, out var type) ? $"{c.Column} is {type}, was {c.Type}" : $"{c.Column} ({c.Type}) is missing")
            .ToList();
        if (differing.Count > 0)
        {
            throw new PostgresBackupException(placement.Slug,
                $"Table \"{table.Name}\" at version {manifest.Version} does not match the backup: {string.Join("; ", differing)}. Restore with the migrations of " +
                "the app that wrote the backup. Nothing was changed.");
        }
    }

    private static async Task CopyInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, PostgresBackupTable table, Stream input,
        CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", table.Columns.Select(PostgresNames.Quote));
        var target = Qualified(placement.SchemaName, table.Name);
        var staging = PostgresNames.Quote("tenancy_restore_" + table.Name);
        if (placement.Isolation == PostgresIsolation.Rows)
        {
            // Into a staging copy first: the tenant column gets the restored tenant's key (or slug), then an insert (row-level security applies).
            await ExecuteAsync(connection, transaction, $"CREATE TEMP TABLE {staging} (LIKE {target}) ON COMMIT DROP", cancellationToken).ConfigureAwait(false);
        }

        var into = placement.Isolation == PostgresIsolation.Rows ? staging : target;
        var writer = await connection.BeginRawBinaryCopyAsync($"COPY {into} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        try
        {
            await input.CopyToAsync(writer, 81920, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await writer.CancelAsync().ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await writer.DisposeAsync().ConfigureAwait(false);
        if (placement.Isolation == PostgresIsolation.Rows && table.TenantColumn is { } column)
        {
            await using (var stamp = new NpgsqlCommand($"UPDATE {staging} SET {PostgresNames.Quote(column)} = $1", connection, transaction))
            {
                stamp.Parameters.Add(new NpgsqlParameter { Value = await IsTextAsync(connection, transaction, target, column, cancellationToken).ConfigureAwait(false) ? placement.Slug : placement.Key });
                await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await ExecuteAsync(connection, transaction,
                    $"INSERT INTO {target} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {staging}; DROP TABLE {staging}", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new PostgresBackupException(placement.Slug,
                    $"A row of the backup collides with a row already in the shared table \"{table.Name}\" ({ex.ConstraintName}: {ex.Detail}): rows keep their " +
                    "keys, so a rows tenant's backup cannot be restored next to the rows it was taken from. Restore it into another shard, or delete the " +
                    "original tenant first. Nothing was changed.", ex);
            }
        }
    }

    private static async Task<bool> IsTextAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string column, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT t.typcategory <> 'N' FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attname = $2", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        command.Parameters.Add(new NpgsqlParameter { Value = column });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The tables a backup reads: every table of a schema or database tenant; a rows tenant's rows of every table with the tenant column.</summary>
    private async Task<IReadOnlyList<Source>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PostgresPlacement placement, CancellationToken cancellationToken)
    {
        if (placement.Isolation != PostgresIsolation.Rows)
        {
            return (await PostgresTableCopy.ListAsync(connection, transaction, placement.SchemaName, cancellationToken).ConfigureAwait(false))
                .Select(t => new Source(t.Name, t.Columns, null, "")).ToList();
        }

        var (owned, _) = await PostgresRowsCopy.ListAsync(connection, transaction, placement.SchemaName, Options, cancellationToken).ConfigureAwait(false);
        return owned.Select(t => new Source(t.Name, t.Columns, t.TenantColumn, PostgresRowsCopy.Filter(t, placement))).ToList();
    }

    private static async Task<(long Bytes, string Sha256)> CopyOutAsync(NpgsqlConnection connection, string schema, Source source, Stream output, CancellationToken cancellationToken)
    {
        var columns = string.Join(", ", source.Columns.Select(PostgresNames.Quote));
        var sql = source.Filter.Length == 0
            ? $"COPY {Qualified(schema, source.Name)} ({columns}) TO STDOUT (FORMAT BINARY)"
            : $"COPY (SELECT {columns} FROM {Qualified(schema, source.Name)}{source.Filter}) TO STDOUT (FORMAT BINARY)";
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var reader = await connection.BeginRawBinaryCopyAsync(sql, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[81920];
        long bytes = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            bytes += read;
        }

        return (bytes, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>Row count and ordered hash of a table's rows (the tenant column left out: a restored rows tenant has another key).</summary>
    private static async Task<(long Rows, string Hash)> HashAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, Source source, CancellationToken cancellationToken)
    {
        var hashed = string.Join(", ", source.Columns.Where(c => c != source.TenantColumn).Select(PostgresNames.Quote));
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h COLLATE \"C\")), '') FROM (SELECT md5(ROW({hashed})::text) AS h " +
            $"FROM {Qualified(schema, source.Name)}{source.Filter}) r", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task<IReadOnlyList<string>> TypesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string table,
        IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var types = await ColumnTypesAsync(connection, transaction, schema, table, cancellationToken).ConfigureAwait(false);
        return columns.Select(c => types![c]).ToList();
    }

    /// <summary>A table's columns and their types, or null when it does not exist.</summary>
    private static async Task<Dictionary<string, string>?> ColumnTypesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid " +
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            types[reader.GetString(0)] = reader.GetString(1);
        }

        return types.Count == 0 ? null : types;
    }

    private static async Task<IReadOnlyList<PostgresBackupStep>> ReadStepsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{PostgresMigrator.HistoryTable}') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return [];
            }
        }

        await using var command = new NpgsqlCommand($"SELECT version, name FROM {PostgresMigrator.HistoryTable} ORDER BY version", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var steps = new List<PostgresBackupStep>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            steps.Add(new PostgresBackupStep(reader.GetInt32(0), reader.GetString(1)));
        }

        return steps;
    }

    /// <summary>The code's migrations must know the backup's version, with the same step names up to it.</summary>
    private void CheckMigrations(string tenant, PostgresBackupManifest manifest)
    {
        var latest = router.Migrator.LatestVersion;
        if (manifest.Version > latest)
        {
            throw new PostgresBackupException(tenant,
                $"The backup is at schema version {manifest.Version}, newer than the code's migrations ({latest}): the app could not open the restored " +
                "tenant. Restore with the migrations of the app that wrote the backup (or a newer one). Nothing was changed.");
        }

        var ours = Options.Migrations.ToDictionary(s => s.Version, s => s.Name);
        var differing = manifest.Migrations.Where(s => !ours.TryGetValue(s.Version, out var name) || !string.Equals(name, s.Name, StringComparison.Ordinal))
            .Select(s => ours.TryGetValue(s.Version, out var name) ? $"{s.Version} is '{name}' here, '{s.Name}' in the backup" : $"{s.Version} '{s.Name}' is not in the code")
            .ToList();
        if (differing.Count > 0)
        {
            throw new PostgresBackupException(tenant,
                $"The backup was written under other migrations: step {string.Join("; step ", differing)}. Restore with the migrations of the app that wrote " +
                "the backup. Nothing was changed.");
        }
    }

    private static async Task<ZipArchive> OpenAsync(string tenant, Stream source, CancellationToken cancellationToken)
    {
        if (!source.CanSeek || !source.CanRead)
        {
            throw new ArgumentException("A backup is read from a readable, seekable stream (a file).", nameof(source));
        }

        try
        {
            return await ZipArchive.CreateAsync(source, ZipArchiveMode.Read, true, null, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw Damaged(tenant, $"it is not a complete ZIP file ({ex.Message}): truncated, or not a backup", ex);
        }
    }

    /// <summary>Reads the manifest, then every table entry, checking its SHA-256: a damaged or truncated file fails here, before anything changes.</summary>
    private static async Task<PostgresBackupManifest> VerifyAsync(string tenant, ZipArchive zip, CancellationToken cancellationToken)
    {
        var manifestEntry = zip.GetEntry(PostgresBackupManifest.EntryName) ?? throw Damaged(tenant, $"it has no {PostgresBackupManifest.EntryName}: not a tenant backup", null);
        PostgresBackupManifest? manifest;
        try
        {
            await using var input = await manifestEntry.OpenAsync(cancellationToken).ConfigureAwait(false);
            manifest = await JsonSerializer.DeserializeAsync<PostgresBackupManifest>(input, s_json, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw Damaged(tenant, $"its manifest cannot be read ({ex.Message})", ex);
        }

        if (manifest is null || manifest.Format != PostgresBackupManifest.FormatName || manifest.Tables is null || manifest.Migrations is null || manifest.Sequences is null)
        {
            throw Damaged(tenant, "its manifest is not a TenantContext PostgreSQL tenant backup's", null);
        }

        if (manifest.FormatVersion > PostgresBackupManifest.CurrentFormatVersion)
        {
            throw new PostgresBackupException(tenant,
                $"The backup's layout is version {manifest.FormatVersion}, newer than this version reads ({PostgresBackupManifest.CurrentFormatVersion}): restore it with a newer TenantContext. Nothing was changed.");
        }

        foreach (var table in manifest.Tables)
        {
            var entry = zip.GetEntry(table.Entry) ?? throw Damaged(tenant, $"the entry {table.Entry} of table \"{table.Name}\" is missing", null);
            if (table.Columns.Count != table.Types.Count)
            {
                throw Damaged(tenant, $"table \"{table.Name}\" lists {table.Columns.Count} columns and {table.Types.Count} types", null);
            }

            try
            {
                await using var input = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                long bytes = 0;
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    bytes += read;
                }

                var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
                if (bytes != table.Bytes || !string.Equals(actual, table.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw Damaged(tenant, $"the rows of table \"{table.Name}\" do not match their checksum ({bytes} bytes, SHA-256 {actual}; the manifest says {table.Bytes} bytes, {table.Sha256})", null);
                }
            }
            catch (InvalidDataException ex)
            {
                throw Damaged(tenant, $"the rows of table \"{table.Name}\" cannot be read ({ex.Message})", ex);
            }
        }

        return manifest;
    }

    private static PostgresBackupException Damaged(string tenant, string what, Exception? inner) =>
        new(tenant, $"The backup cannot be restored: {what}. Nothing was created or changed. Use another backup (`tenantctl backup` writes a new one).", inner);

    private static string Text(PostgresIsolation isolation) => PostgresTenantCatalog.IsolationText(isolation);

    private static string Qualified(string schema, string table) => PostgresNames.Quote(schema) + "." + PostgresNames.Quote(table);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
