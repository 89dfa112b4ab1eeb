using System.CommandLine;
using Tenancy.Cli.Output;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Commands;

/// <summary><c>split --source DB --by COLUMN --tables A,B [--dry-run]</c>: one shared database into a database per tenant.</summary>
internal static class SplitCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var source = new Option<string>("--source") { Description = "The shared database (opened read-only, never modified).", HelpName = "DB", Required = true };
        var by = new Option<string>("--by") { Description = "The column that holds the tenant's slug in every listed table.", HelpName = "COLUMN", Required = true };
        var tables = new Option<string[]>("--tables")
        {
            Description = "The tables to split, comma-separated (others are not copied).",
            HelpName = "A,B",
            Required = true,
            CustomParser = result => result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print which tenants would be created, with their row counts; change nothing." };
        var command = new Command("split",
            "Split one shared database (a tenant column on every table) into a database per tenant under the data root: each file gets the tables' " +
            "schema, that tenant's rows and the source's schema version, is verified count by count, put in place only when complete, and catalogued. " +
            "A re-run keeps the verified files and finishes the rest. Exit code 4 when counts differ or rows have no valid tenant.")
        {
            source, by, tables, dryRun,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            if (Stores.StoreFactory.IsPostgres(context.Parse, globals))
            {
                throw CliException.Usage(PostgresMessage);
            }

            var list = context.Get(tables)!;
            if (list.Length == 0)
            {
                throw CliException.Usage("--tables: list at least one table, e.g. --tables pages,comments.");
            }

            bool dry = context.Get(dryRun);
            var sourcePath = Path.GetFullPath(context.Get(source)!);
            if (!File.Exists(sourcePath))
            {
                throw CliException.Usage($"--source {sourcePath}: no such file. Pass the shared database to split.");
            }

            var store = await context.SqliteAsync(create: true).ConfigureAwait(false); // a dry run creates nothing: the split only reads
            int total = await Task.Run(() => CountTenants(sourcePath, context.Get(by)!, list[0]), context.CancellationToken).ConfigureAwait(false);
            var report = await ProgressDisplay.RunAsync(context.Output, dry ? "split (dry run)" : "split", total, tracker =>
                store.Sqlite.SplitSharedDatabaseAsync(sourcePath, context.Get(by)!, list, dry, new Reporter(p =>
                    tracker.Set(p.Completed, tracker.Failed + (p.Last.Outcome == TenantSplitOutcome.Failed ? 1 : 0), p.Total)), context.CancellationToken)).ConfigureAwait(false);

            var document = new SplitDocument(report.DryRun, sourcePath, report.SourceVersion, report.Succeeded,
                report.Tenants.Select(t => new SplitTenantJson(t.Slug, t.Path, t.Outcome, t.RowCounts, t.Error)).ToList(),
                report.InvalidTenantValues, report.RowsWithoutTenant);
            if (context.Output.Json)
            {
                context.Output.WriteJson(document);
            }
            else
            {
                context.Output.Table(["tenant", "outcome", .. list, "file"],
                    document.Tenants.Select(t => (IReadOnlyList<string>)[t.Slug, Outcome(t.Outcome), .. list.Select(table => Arguments.Number(t.RowCounts.GetValueOrDefault(table))), t.Path]));
                foreach (var failed in document.Tenants.Where(t => t.Error is not null))
                {
                    context.Output.Line($"FAILED {failed.Slug}: {failed.Error}");
                }

                if (report.InvalidTenantValues.Count > 0)
                {
                    context.Output.Line($"not copied: rows whose {context.Get(by)} is not a valid tenant slug: {string.Join(", ", report.InvalidTenantValues.Take(20))}");
                }

                if (report.RowsWithoutTenant > 0)
                {
                    context.Output.Line($"not copied: {report.RowsWithoutTenant} row(s) with no {context.Get(by)}");
                }

                context.Output.Line(dry
                    ? $"dry run: {document.Tenants.Count} tenant(s) would be created under {store.Router.DataRoot}; nothing was changed. Run again without --dry-run to split."
                    : $"split {sourcePath} into {document.Tenants.Count(t => t.Outcome != TenantSplitOutcome.Failed)} of {document.Tenants.Count} tenant(s); the source was not modified.");
            }

            bool mismatch = report.InvalidTenantValues.Count > 0 || report.RowsWithoutTenant > 0
                || report.Tenants.Any(t => t.Error is { } e && e.Contains("in the source", StringComparison.Ordinal));
            return mismatch ? ExitCodes.VerificationMismatch
                : report.Tenants.Any(t => t.Outcome == TenantSplitOutcome.Failed) ? ExitCodes.SomeTenantsFailed
                : ExitCodes.Ok;
        });
        return command.WithExamples(
            "tenantctl --data-root data split --source shared.db --by site_id --tables pages,comments --dry-run",
            "tenantctl --data-root data split --source shared.db --by site_id --tables pages,comments");
    }

    /// <summary>
    /// Why <c>split</c> is SQLite-only, and the PostgreSQL way to the same end. A SQLite split copies each table's own
    /// <c>CREATE</c> statement into each tenant's file; a PostgreSQL tenant's tables come from the app's migrations instead, and
    /// the catalog's verified move already promotes a tenant from shared rows to a schema or database of its own while the app serves
    /// (the tenant's writes wait at the fence for the copy: a move of rows is offline).
    /// </summary>
    internal const string PostgresMessage =
        "`split` is SQLite-only: it turns one shared SQLite file into a file per tenant (--data-root). On PostgreSQL the single → multi " +
        "migration is done tenant by tenant while the app serves (each tenant's writes wait during its copy), verified, with the verbs that exist: make the shared database a shard of the app " +
        "(UsePostgres' AddShard, with TenantColumn naming its tenant column: text holding the tenant's slug, or bigint holding its catalog key, " +
        "and its tables created by the app's migrations), catalogue each tenant on it as a rows tenant (`tenantctl create T --shard S " +
        "--isolation rows`), then promote it (`tenantctl move T --to S --isolation schema` or `database`; `--dry-run` first): its rows are " +
        "copied at one snapshot, verified by counts and hashes, switched in the catalog atomically, and deleted from the shared tables only " +
        "after the switch. Nothing was changed.";

    private static string Outcome(TenantSplitOutcome outcome) => outcome switch
    {
        TenantSplitOutcome.WouldCreate => "would create",
        TenantSplitOutcome.Created => "created",
        TenantSplitOutcome.AlreadyPresent => "already present",
        _ => "FAILED",
    };

    /// <summary>The number of distinct tenant values in the first table, for the progress bar (the split itself reads every table).</summary>
    private static int CountTenants(string source, string column, string table)
    {
        try
        {
            using var connection = Stores.SqliteStore.OpenReadOnly(source);
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(DISTINCT \"{column.Replace("\"", "\"\"", StringComparison.Ordinal)}\") FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\";";
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // the split reports the real problem with its own message
        }
    }

    private sealed class Reporter(Action<TenantSplitProgress> report) : IProgress<TenantSplitProgress>
    {
        public void Report(TenantSplitProgress value) => report(value);
    }
}

internal sealed record SplitDocument(bool DryRun, string Source, int SourceVersion, bool Succeeded, IReadOnlyList<SplitTenantJson> Tenants,
    IReadOnlyList<string> InvalidTenantValues, long RowsWithoutTenant);

internal sealed record SplitTenantJson(string Slug, string Path, TenantSplitOutcome Outcome, IReadOnlyDictionary<string, long> RowCounts, string? Error);
