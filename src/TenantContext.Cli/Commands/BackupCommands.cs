using System.CommandLine;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Tenancy.Cli.Output;
using Tenancy.Cli.Stores;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Commands;

/// <summary><c>backup [T | --all] --to DIR</c> and <c>restore-backup T --from FILE</c> (SQLite online backup both ways).</summary>
internal static class BackupCommands
{
    public static Command Backup(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant to back up (or --all).");
        var all = Arguments.All("Back up every catalogued tenant (archived ones too).");
        var to = new Option<string>("--to") { Description = "The folder the backups go to, one TENANT.db each (an older backup is replaced).", HelpName = "DIR", Required = true };
        var command = new Command("backup",
            "Copy tenants' databases with SQLite's online backup: a consistent snapshot taken while the app keeps running, written aside and renamed into place.")
        {
            tenant, all, to,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var store = await context.SqliteAsync().ConfigureAwait(false);
            var tenants = await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false);
            var folder = Path.GetFullPath(context.Get(to)!);
            Directory.CreateDirectory(folder);
            var results = new List<BackupTenantJson>();
            try
            {
                await ProgressDisplay.RunAsync(context.Output, "backup", tenants.Count, async tracker =>
                {
                    foreach (var slug in tenants)
                    {
                        context.CancellationToken.ThrowIfCancellationRequested();
                        var file = Path.Combine(folder, slug + ".db");
                        try
                        {
                            await store.Sqlite.BackupAsync(slug, file, context.CancellationToken).ConfigureAwait(false);
                            results.Add(new BackupTenantJson(slug, file, new FileInfo(file).Length, null));
                            tracker.Report(failed: false);
                        }
                        catch (Exception ex) when (ex is TenantUnavailableException or TenantDatabaseException or SqliteException or IOException or UnauthorizedAccessException)
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
        return command.WithExamples("tenantctl --data-root data backup acme --to backups", "tenantctl --data-root data backup --all --to /var/backups/tenants/$(date +%F)");
    }

    public static Command RestoreBackup(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant("The tenant to restore into (created when it is not catalogued).");
        var from = new Option<string>("--from") { Description = "The backup file (from `tenantctl backup`).", HelpName = "FILE", Required = true };
        var yes = Arguments.Yes("Confirm replacing the data of an existing tenant.");
        var command = new Command("restore-backup",
            "Put a backup back: the file is checked first (integrity, schema version), then copied into the tenant's database with SQLite's " +
            "online backup, so connections see the old or the new data, never a mix. Replacing an existing tenant's data needs --yes.")
        {
            tenant, from, yes,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var slug = TenantSlug.Validate(context.Get(tenant));
            var source = Path.GetFullPath(context.Get(from)!);
            if (!File.Exists(source))
            {
                throw CliException.Usage($"The backup {source} does not exist. Pass the file `tenantctl backup` wrote (DIR/{slug}.db).");
            }

            int version = CheckBackup(source);
            var store = await context.SqliteAsync(create: true).ConfigureAwait(false);
            if (store.HasMigrations && version > store.LatestVersion)
            {
                throw CliException.Failure(
                    $"{source} is at schema version {version}, newer than the migrations given ({store.LatestVersion}); the app could not open it. " +
                    "Pass the migrations of the version that wrote the backup.");
            }

            var record = await store.Catalog.GetAsync(slug, context.CancellationToken).ConfigureAwait(false);
            var target = store.Router.GetDatabasePath(slug);
            if (record is not null && File.Exists(target))
            {
                context.RequireYes(yes, $"Tenant '{slug}' exists: `restore-backup` replaces all of its data ({target}) with {source}. " +
                    $"Back up the current data first with `tenantctl backup {slug} --to DIR`.");
            }

            context.CancellationToken.ThrowIfCancellationRequested();
            bool created = false;
            if (record is null)
            {
                record = await store.Catalog.CreateAsync(slug, null, context.CancellationToken).ConfigureAwait(false);
                created = true;
            }

            await Task.Run(() => CopyInto(source, target, slug, store), CancellationToken.None).ConfigureAwait(false);
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
        return command.WithExamples("tenantctl --data-root data restore-backup acme --from backups/acme.db --yes");
    }

    /// <summary>Reads a backup without changing it: it must be a sound SQLite database. Returns its schema version.</summary>
    private static int CheckBackup(string path)
    {
        try
        {
            using var connection = SqliteStore.OpenReadOnly(path);
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA integrity_check;";
                var result = Convert.ToString(check.ExecuteScalar(), CultureInfo.InvariantCulture);
                if (!string.Equals(result, "ok", StringComparison.Ordinal))
                {
                    throw CliException.Failure($"{path} fails SQLite's integrity check ({result}); nothing was restored. Use another backup.");
                }
            }

            using var version = connection.CreateCommand();
            version.CommandText = "PRAGMA user_version;";
            return Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException ex)
        {
            throw CliException.Failure($"{path} is not a readable SQLite database ({ex.Message}); nothing was restored. Pass a file written by `tenantctl backup`.", ex);
        }
    }

    /// <summary>SQLite's online backup from the file into the live database: one write transaction, readers see old or new.</summary>
    private static void CopyInto(string source, string target, string slug, SqliteStore store)
    {
        store.Router.Release(slug);
        using var from = SqliteStore.OpenReadOnly(source);
        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        to.Open();
        using (var wait = to.CreateCommand())
        {
            wait.CommandText = "PRAGMA busy_timeout = 5000;";
            wait.ExecuteNonQuery();
        }

        from.BackupDatabase(to);
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

internal sealed record RestoreBackupDocument(TenantJson Tenant, string From, int Version, bool Created);
