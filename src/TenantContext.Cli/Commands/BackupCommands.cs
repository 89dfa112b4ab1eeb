using System.CommandLine;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tenancy.Cli.Output;
using Tenancy.Cli.Stores;
using Tenancy.Npgsql;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Commands;

/// <summary>
/// <c>backup [T | --all] --to DIR</c> and <c>restore-backup T --from FILE</c>: SQLite's online backup both ways, or on PostgreSQL
/// the catalog's own backup file (<see cref="PostgresTenantCatalog.BackupAsync"/>, <see cref="PostgresTenantCatalog.RestoreBackupAsync"/>).
/// </summary>
internal static class BackupCommands
{
    public static Command Backup(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant to back up (or --all).");
        var all = Arguments.All("Back up every catalogued tenant (archived ones too).");
        var to = new Option<string>("--to")
        {
            Description = $"The folder the backups go to, one TENANT.db (SQLite) or TENANT{PostgresBackupExtension} (PostgreSQL) each; an older backup is replaced.",
            HelpName = "DIR",
            Required = true,
        };
        var command = new Command("backup",
            "Back tenants up while the app keeps running, each a consistent snapshot written aside and renamed into place. SQLite: the tenant's database " +
            $"(online backup). PostgreSQL: TENANT{PostgresBackupExtension}, a ZIP of each table's rows (binary COPY, one snapshot) and manifest.json with " +
            "the schema version, the migration steps, and each table's row count, ordered hash and SHA-256; the schema itself comes from the migrations on " +
            "restore. Nothing outside tenantctl is needed (no pg_dump).")
        {
            tenant, all, to,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var store = await context.StoreAsync().ConfigureAwait(false);
            var tenants = await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false);
            var folder = Path.GetFullPath(context.Get(to)!);
            Directory.CreateDirectory(folder);
            Func<string, string, CancellationToken, Task> backup = store is PostgresStore postgres
                ? (slug, file, cancellationToken) => BackupPostgresAsync(postgres, slug, file, cancellationToken)
                : (slug, file, cancellationToken) => ((SqliteStore)store).Sqlite.BackupAsync(slug, file, cancellationToken);
            var extension = store is PostgresStore ? PostgresBackupExtension : ".db";
            var results = new List<BackupTenantJson>();
            try
            {
                await ProgressDisplay.RunAsync(context.Output, "backup", tenants.Count, async tracker =>
                {
                    foreach (var slug in tenants)
                    {
                        context.CancellationToken.ThrowIfCancellationRequested();
                        var file = Path.Combine(folder, slug + extension);
                        try
                        {
                            await backup(slug, file, context.CancellationToken).ConfigureAwait(false);
                            results.Add(new BackupTenantJson(slug, file, new FileInfo(file).Length, null));
                            tracker.Report(failed: false);
                        }
                        catch (Exception ex) when (ex is TenantUnavailableException or TenantDatabaseException or SqliteException or IOException or UnauthorizedAccessException
                            or PostgresTenantException or NpgsqlException && !context.CancellationToken.IsCancellationRequested)
                        {
                            if (tenants.Count == 1)
                            {
                                throw;
                            }

                            results.Add(new BackupTenantJson(slug, file, 0, ex.Message));
                            tracker.Report(failed: true);
                        }
                    }

                    return true;
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                Write(context, new BackupDocument(folder, tenants.Count, results.Count(r => r.Error is null), results.Count(r => r.Error is not null), true, results));
                throw;
            }

            var document = new BackupDocument(folder, tenants.Count, results.Count(r => r.Error is null), results.Count(r => r.Error is not null), false, results);
            Write(context, document);
            return document.Failed > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data backup acme --to backups", "tenantctl --data-root data backup --all --to /var/backups/tenants/$(date +%F)",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" backup --all --to /var/backups/tenants/$(date +%F)");
    }

    /// <summary>The files a restore set aside as damaged (<c>TenantCatalog.RestoreBackupAsync</c>: <c>{file}.damaged-{UTC time}</c>).</summary>
    private static string[] DamagedCopies(string target)
        => Directory.Exists(Path.GetDirectoryName(target))
            ? Directory.GetFiles(Path.GetDirectoryName(target)!, Path.GetFileName(target) + ".damaged-*")
                .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-journal", StringComparison.Ordinal)).ToArray()
            : [];

    /// <summary>The file name ending of a PostgreSQL tenant backup (a ZIP: `unzip -l` lists its manifest and tables).</summary>
    internal const string PostgresBackupExtension = ".tenant.zip";

    /// <summary>Writes a PostgreSQL tenant's backup aside, then renames it into place: an interrupted backup never replaces a good one.</summary>
    private static async Task BackupPostgresAsync(PostgresStore store, string slug, string file, CancellationToken cancellationToken)
    {
        var partial = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Environment.ProcessId}.partial");
        try
        {
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await store.Postgres.BackupAsync(slug, stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, file, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public static Command RestoreBackup(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant("The tenant to restore into (created when it is not catalogued).");
        var from = new Option<string>("--from") { Description = "The backup file (from `tenantctl backup`).", HelpName = "FILE", Required = true };
        var yes = Arguments.Yes("Confirm replacing the data of an existing tenant.");
        var shard = new Option<string?>("--shard")
        {
            Description = "PostgreSQL: the shard of a tenant that does not exist yet (default: the backup's shard when the catalog has it, else the default shard).",
            HelpName = "SHARD",
        };
        var command = new Command("restore-backup",
            "Put a backup back. SQLite: the file is checked first (integrity, schema version), then copied into the tenant's database with SQLite's " +
            "online backup, so connections see the old or the new data, never a mix. PostgreSQL (needs --migrations): the whole file is checked first " +
            "(checksums, format, the migrations' names up to its version), then in one transaction the schema is made from the migrations up to the " +
            "backup's version, the rows loaded and verified against the manifest (counts and hashes), the sequences set and the later steps run; a " +
            "failure or Ctrl-C rolls all of it back. Replacing an existing tenant's data needs --yes. Exit code 4 when the restored rows differ.")
        {
            tenant, from, yes, shard,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var slug = TenantSlug.Validate(context.Get(tenant));
            var source = Path.GetFullPath(context.Get(from)!);
            bool postgres = StoreFactory.IsPostgres(context.Parse, globals);
            if (!File.Exists(source))
            {
                throw CliException.Usage($"The backup {source} does not exist. Pass the file `tenantctl backup` wrote (DIR/{slug}{(postgres ? PostgresBackupExtension : ".db")}).");
            }

            if (postgres)
            {
                return await RestorePostgresAsync(context, slug, source, yes, context.Get(shard)).ConfigureAwait(false);
            }

            if (context.Get(shard) is not null)
            {
                throw CliException.Usage("--shard is for a PostgreSQL catalog (--postgres); a SQLite data root has one file per tenant.");
            }

            var store = await context.SqliteAsync(create: true).ConfigureAwait(false);
            var record = await store.Catalog.GetAsync(slug, context.CancellationToken).ConfigureAwait(false);
            var target = store.Router.GetDatabasePath(slug);
            bool replace = record is not null && File.Exists(target);
            if (replace)
            {
                context.RequireYes(yes, $"Tenant '{slug}' exists: `restore-backup` replaces all of its data ({target}) with {source}. " +
                    $"Back up the current data first with `tenantctl backup {slug} --to DIR`.");
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            bool created = false;
            if (record is null)
            {
                // A new tenant: created (empty, catalogued), then given the backup's data; a backup that is refused takes the new tenant away again.
                record = await store.Catalog.CreateAsync(slug, null, context.CancellationToken).ConfigureAwait(false);
                created = true;
            }

            var damagedBefore = DamagedCopies(target);
            TenantStats restored;
            try
            {
                // The catalog's restore: checks the backup, then copies it into the live file, or (a catalogued tenant whose file was lost,
                // the recovery `doctor` names) puts it in place durably, never over a file that appeared since the --yes check.
                restored = await store.Sqlite.RestoreBackupAsync(slug, source, replace || created, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception) when (created)
            {
                await store.Catalog.DeleteAsync(slug, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            foreach (var aside in DamagedCopies(target).Except(damagedBefore))
            {
                context.Output.Note($"note: the damaged file of {slug} was not a database; it was kept as {aside} (with its -wal or -journal, if it had one; delete them once the restored tenant is checked).");
            }

            int version = restored.Version;
            if (context.Output.Json)
            {
                context.Output.WriteJson(new RestoreBackupDocument(TenantJson.From(record), source, version, created));
            }
            else
            {
                context.Output.Line($"restored {slug} from {source} (schema version {version}{(created ? ", new tenant" : "")})");
            }

            return ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data restore-backup acme --from backups/acme.db --yes",
            $"tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations restore-backup acme-copy --from backups/acme{PostgresBackupExtension}");
    }

    private static async Task<int> RestorePostgresAsync(CommandContext context, string slug, string source, Option<bool> yes, string? shard)
    {
        var store = await context.PostgresAsync().ConfigureAwait(false);
        if (!store.HasMigrations)
        {
            throw CliException.Usage("`restore-backup` on PostgreSQL makes the tenant's schema from the app's migrations: pass --migrations DIR or --migrations MyApp.dll[:TYPE].");
        }

        if (shard is not null && !store.Router.Options.Shards.ContainsKey(shard))
        {
            throw CliException.Usage($"--shard {shard}: no such shard in {store.Description}. Shards: {string.Join(", ", store.Router.Options.Shards.Keys)} (`tenantctl shards`).");
        }

        var record = await store.Postgres.GetAsync(slug, context.CancellationToken).ConfigureAwait(false);
        if (record is not null)
        {
            context.RequireYes(yes, $"Tenant '{slug}' exists: `restore-backup` replaces all of its data ({(record.Isolation == PostgresIsolation.Database ? $"database {record.DatabaseName}" : record.Isolation == PostgresIsolation.Rows ? "its rows in the shared tables" : $"schema {record.SchemaName}")} " +
                $"on shard {record.Shard}) with {source}. Back up the current data first with `tenantctl backup {slug} --to DIR`.");
        }

        PostgresRestoreReport report;
        await using (var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
        {
            report = await store.Postgres.RestoreBackupAsync(slug, file, replace: record is not null, shard, context.CancellationToken).ConfigureAwait(false);
        }

        var manifest = report.Backup;
        if (context.Output.Json)
        {
            context.Output.WriteJson(new RestoreBackupDocument(TenantJson.From(report.Tenant), source, manifest.Version, !report.Replaced)
            {
                Tables = manifest.Tables.Select(t => new RestoredTableJson(t.Name, t.Rows, t.Hash)).ToList(),
            });
        }
        else
        {
            context.Output.Table(["table", "rows", "verified"], manifest.Tables.Select(t => (IReadOnlyList<string>)[t.Name, Arguments.Number(t.Rows), "yes"]));
            context.Output.Line($"restored {slug} from {source} (backup of '{manifest.Tenant}' at schema version {manifest.Version}, taken {Arguments.Time(manifest.CreatedAt)}; " +
                $"{Arguments.Number(manifest.Rows)} rows in {manifest.Tables.Count} table(s) verified; now at version {report.Tenant.Version}" +
                $"{(report.Replaced ? ", its previous data replaced" : $", new {Arguments.Isolation(report.Tenant.Isolation)} tenant on shard {report.Tenant.Shard}")})");
        }

        return ExitCodes.Ok;
    }

    private static void Write(CommandContext context, BackupDocument document)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(document);
            return;
        }

        context.Output.Table(["tenant", "backup", "size", "error"],
            document.Tenants.Select(t => (IReadOnlyList<string>)[t.Slug, t.File, t.Error is null ? Arguments.Size(t.SizeBytes) : "", t.Error ?? ""]));
        context.Output.Line($"{(document.Cancelled ? "interrupted: " : "")}backed up {document.Succeeded} of {document.Total} tenant(s) to {document.Folder}; {document.Failed} failed.");
    }
}

internal sealed record BackupDocument(string Folder, int Total, int Succeeded, int Failed, bool Cancelled, IReadOnlyList<BackupTenantJson> Tenants);

internal sealed record BackupTenantJson(string Slug, string File, long SizeBytes, string? Error);

internal sealed record RestoreBackupDocument(TenantJson Tenant, string From, int Version, bool Created)
{
    /// <summary>PostgreSQL: each table restored, with the rows and hash verified against the backup's manifest.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RestoredTableJson>? Tables { get; init; }
}

internal sealed record RestoredTableJson(string Table, long Rows, string Hash);
