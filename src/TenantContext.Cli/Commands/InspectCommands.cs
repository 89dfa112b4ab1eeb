using System.CommandLine;
using Microsoft.Data.Sqlite;
using Tenancy.Cli.Output;
using Tenancy.Cli.Stores;
using Tenancy.Npgsql;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Commands;

/// <summary><c>check [T | --all]</c> (integrity and foreign keys) and <c>stats [T | --all]</c> (size, tables, rows, version, last write). Both read only.</summary>
internal static class InspectCommands
{
    public static Command Check(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant to check (or --all).");
        var all = Arguments.All("Check every catalogued tenant.");
        var command = new Command("check",
            "SQLite: run integrity_check and foreign_key_check on tenants' databases. PostgreSQL (needs --migrations): check that each tenant's schema or " +
            "database exists, that its version equals the code's and the catalog's, and that its tables and columns match the other tenants' (drift). " +
            "Read-only. Exit code 4 when a check finds a problem, 3 when a tenant could not be checked.")
        {
            tenant, all,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            if (await context.StoreAsync().ConfigureAwait(false) is PostgresStore postgres)
            {
                return await CheckPostgresAsync(context, postgres, await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false)).ConfigureAwait(false);
            }

            var store = await context.SqliteAsync().ConfigureAwait(false);
            var tenants = await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false);
            var results = new List<CheckTenantJson>();
            await ProgressDisplay.RunAsync(context.Output, "check", tenants.Count, async tracker =>
            {
                foreach (var slug in tenants)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        var result = await store.Sqlite.CheckAsync(slug, context.CancellationToken).ConfigureAwait(false);
                        results.Add(new CheckTenantJson(slug, result.IsHealthy, result.IntegrityErrors, result.ForeignKeyViolations, null));
                        tracker.Report(failed: !result.IsHealthy);
                    }
                    catch (Exception ex) when (ex is TenantUnavailableException or TenantDatabaseException or SqliteException or IOException)
                    {
                        if (tenants.Count == 1)
                        {
                            throw;
                        }

                        results.Add(new CheckTenantJson(slug, false, [], [], ex.Message));
                        tracker.Report(failed: true);
                    }
                }

                return true;
            }).ConfigureAwait(false);

            int damaged = results.Count(r => r.Error is null && !r.Healthy);
            int failed = results.Count(r => r.Error is not null);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new CheckDocument(results.Count, results.Count(r => r.Healthy), damaged, failed, results));
            }
            else
            {
                foreach (var r in results.Where(r => !r.Healthy))
                {
                    var problems = r.Error is not null ? [r.Error] : r.IntegrityErrors.Concat(r.ForeignKeyViolations);
                    foreach (var problem in problems.Take(20))
                    {
                        context.Output.Line($"{r.Slug}: {problem}");
                    }
                }

                context.Output.Line($"checked {results.Count} tenant(s): {results.Count(r => r.Healthy)} healthy, {damaged} damaged, {failed} could not be checked." +
                    (damaged > 0 ? " Restore a damaged tenant from a backup (`tenantctl restore-backup T --from FILE --yes`)." : ""));
            }

            return damaged > 0 ? ExitCodes.VerificationMismatch : failed > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data check acme", "tenantctl --data-root data check --all --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations check --all");
    }

    public static Command Stats(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant (or --all).");
        var all = Arguments.All("Every catalogued tenant.");
        var command = new Command("stats",
            "Show tenants' size, schema version, last write, and row counts per table (SQLite); shard, isolation, version, tables, size with indexes " +
            "and the planner's row estimate (PostgreSQL). Read-only.") { tenant, all };
        Tenantctl.SetAction(command, globals, async context =>
        {
            if (await context.StoreAsync().ConfigureAwait(false) is PostgresStore postgres)
            {
                return await StatsPostgresAsync(context, postgres, await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false)).ConfigureAwait(false);
            }

            var store = await context.SqliteAsync().ConfigureAwait(false);
            var tenants = await Arguments.TenantsAsync(context, tenant, all).ConfigureAwait(false);
            var results = new List<StatsTenantJson>();
            int failed = 0;
            foreach (var slug in tenants)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var file = await LifecycleCommands.StatsAsync(store, slug, context.CancellationToken).ConfigureAwait(false);
                    var tables = await Task.Run(() => CountRows(file.Path), context.CancellationToken).ConfigureAwait(false);
                    results.Add(new StatsTenantJson(slug, file.Path, file.SizeBytes, file.Version, file.LastWrite, tables, null));
                }
                catch (Exception ex) when (ex is TenantUnavailableException or TenantDatabaseException or SqliteException or IOException)
                {
                    if (tenants.Count == 1)
                    {
                        throw;
                    }

                    results.Add(new StatsTenantJson(slug, store.Router.GetDatabasePath(slug), 0, null, null, [], ex.Message));
                    failed++;
                }
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(new StatsDocument(results));
            }
            else
            {
                context.Output.Table(["tenant", "size", "version", "last write", "tables", "rows", "error"],
                    results.Select(r => (IReadOnlyList<string>)[r.Slug, r.Error is null ? Arguments.Size(r.SizeBytes) : "", r.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        Arguments.Time(r.LastWrite), $"{r.Tables.Count}", Arguments.Number(r.Tables.Sum(t => t.Rows)), r.Error ?? ""]));
                if (tenants.Count == 1 && results[0].Tables.Count > 0)
                {
                    context.Output.Table(["table", "rows"], results[0].Tables.Select(t => (IReadOnlyList<string>)[t.Name, Arguments.Number(t.Rows)]));
                }
            }

            return failed > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data stats acme", "tenantctl --data-root data stats --all --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" stats --all");
    }

    /// <summary>PostgreSQL: the catalog's check (one query per shard database), narrowed to the tenants asked for.</summary>
    private static async Task<int> CheckPostgresAsync(CommandContext context, PostgresStore store, IReadOnlyList<string> tenants)
    {
        if (!store.HasMigrations)
        {
            throw CliException.Usage("`check` on PostgreSQL compares tenants with the code's migrations: pass --migrations DIR or --migrations MyApp.dll[:TYPE].");
        }

        var wanted = tenants.ToHashSet(StringComparer.Ordinal);
        var checks = await ProgressDisplay.RunAsync(context.Output, "check", 1, async tracker =>
        {
            var all = await store.Postgres.CheckAsync(context.CancellationToken).ConfigureAwait(false);
            tracker.Set(1, 0);
            return all;
        }, countsFailures: false).ConfigureAwait(false); // one catalog-wide check: the tenants with problems are counted in the report, not here
        var results = checks.Where(c => wanted.Contains(c.Slug)).ToList();
        if (tenants.Count == 1 && results.Count == 0)
        {
            throw CliException.Failure($"Tenant '{tenants[0]}' is not in the catalog of {store.Description}. List the tenants with `tenantctl list --archived`.");
        }

        int damaged = results.Count(r => !r.Healthy);
        if (context.Output.Json)
        {
            context.Output.WriteJson(new PostgresCheckDocument(store.LatestVersion, results.Count, results.Count - damaged, damaged, 0,
                results.Select(r => new PostgresCheckTenantJson(r.Slug, r.Healthy, r.CatalogVersion, r.TenantVersion, r.Fingerprint, r.Problems)).ToList()));
        }
        else
        {
            foreach (var r in results.Where(r => !r.Healthy))
            {
                foreach (var problem in r.Problems)
                {
                    context.Output.Line($"{r.Slug}: {problem}");
                }
            }

            context.Output.Line($"checked {results.Count} tenant(s) against version {store.LatestVersion}: {results.Count - damaged} healthy, {damaged} with problems.");
        }

        return damaged > 0 ? ExitCodes.VerificationMismatch : ExitCodes.Ok;
    }

    /// <summary>PostgreSQL: the catalog's sizes (one query per shard database), narrowed to the tenants asked for.</summary>
    private static async Task<int> StatsPostgresAsync(CommandContext context, PostgresStore store, IReadOnlyList<string> tenants)
    {
        var wanted = tenants.ToHashSet(StringComparer.Ordinal);
        var stats = (await store.Postgres.StatsAsync(context.CancellationToken).ConfigureAwait(false)).Where(s => wanted.Contains(s.Slug)).ToList();
        var missing = tenants.Where(t => stats.All(s => s.Slug != t)).ToList();
        if (tenants.Count == 1 && missing.Count == 1)
        {
            throw CliException.Failure($"Tenant '{tenants[0]}' is not in the catalog of {store.Description}, or its schema or database is missing (`tenantctl check {tenants[0]}`).");
        }

        if (context.Output.Json)
        {
            context.Output.WriteJson(new PostgresStatsDocument(
                stats.Select(s => new PostgresStatsTenantJson(s.Slug, s.Shard, Arguments.Isolation(s.Isolation), s.Version, s.Tables, s.SizeBytes, s.RowsEstimate)).ToList(),
                missing));
        }
        else
        {
            context.Output.Table(["tenant", "shard", "isolation", "version", "tables", "size", "rows (estimate)"],
                stats.Select(s => (IReadOnlyList<string>)[s.Slug, s.Shard, Arguments.Isolation(s.Isolation), $"{s.Version}", $"{s.Tables}", Arguments.Size(s.SizeBytes), Arguments.Number(s.RowsEstimate)]));
            if (missing.Count > 0)
            {
                context.Output.Line($"missing schema or database: {string.Join(", ", missing)} (`tenantctl check`).");
            }
        }

        return missing.Count > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
    }

    private static List<TableRowsJson> CountRows(string path)
    {
        using var connection = SqliteStore.OpenReadOnly(path);
        var names = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name;";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }

        var tables = new List<TableRowsJson>(names.Count);
        foreach (var name in names)
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\";";
            tables.Add(new TableRowsJson(name, (long)count.ExecuteScalar()!));
        }

        return tables;
    }
}

internal sealed record CheckDocument(int Total, int Healthy, int Damaged, int Failed, IReadOnlyList<CheckTenantJson> Tenants);

internal sealed record CheckTenantJson(string Slug, bool Healthy, IReadOnlyList<string> IntegrityErrors, IReadOnlyList<string> ForeignKeyViolations, string? Error);

internal sealed record StatsDocument(IReadOnlyList<StatsTenantJson> Tenants);

internal sealed record StatsTenantJson(string Slug, string Path, long SizeBytes, int? Version, DateTimeOffset? LastWrite, IReadOnlyList<TableRowsJson> Tables, string? Error);

internal sealed record TableRowsJson(string Name, long Rows);

internal sealed record PostgresCheckDocument(int TargetVersion, int Total, int Healthy, int Damaged, int Failed, IReadOnlyList<PostgresCheckTenantJson> Tenants);

internal sealed record PostgresCheckTenantJson(string Slug, bool Healthy, int CatalogVersion, int? TenantVersion, string? Fingerprint, IReadOnlyList<string> Problems);

internal sealed record PostgresStatsDocument(IReadOnlyList<PostgresStatsTenantJson> Tenants, IReadOnlyList<string> Missing);

internal sealed record PostgresStatsTenantJson(string Slug, string Shard, string Isolation, int Version, int Tables, long SizeBytes, long RowsEstimate);
