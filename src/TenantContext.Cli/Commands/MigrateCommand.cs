using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using Tenancy.Cli.Output;

namespace Tenancy.Cli.Commands;

/// <summary><c>migrate [T | --all] [--dry-run] [--parallel N]</c>: brings tenants to the latest version of the app's migrations.</summary>
internal static class MigrateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant to migrate (or --all).");
        var all = Arguments.All("Migrate every catalogued tenant (archived ones too); failures are reported and the run goes on.");
        var dryRun = new Option<bool>("--dry-run") { Description = "Only read each tenant's version and report what would be done." };
        var parallel = new Option<int>("--parallel") { Description = "Tenants migrated at once (0: one per processor).", HelpName = "N" };
        parallel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--parallel must be 0 (one per processor) or more.");
            }
        });
        var command = new Command("migrate",
            "Apply the app's migrations (--migrations) to one tenant or --all. Each step is one transaction recorded in the tenant's " +
            "PRAGMA user_version, so an interrupted or failed run resumes where each tenant stopped.")
        {
            tenant, all, dryRun, parallel,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var store = context.Store();
            if (!store.HasMigrations)
            {
                throw CliException.Usage(
                    "`migrate` needs the app's migrations: --migrations DIR (numbered .sql files: 0001_init.sql, …) or --migrations MyApp.dll[:MyApp.TenantMigrations].");
            }

            if (context.Get(tenant) is { } one)
            {
                if (context.Get(all))
                {
                    throw CliException.Usage("Name a tenant or pass --all, not both.");
                }

                return await MigrateOneAsync(context, TenantSlug.Validate(one), context.Get(dryRun)).ConfigureAwait(false);
            }

            if (!context.Get(all))
            {
                throw CliException.Usage("Name a tenant or pass --all: `tenantctl migrate acme` or `tenantctl migrate --all`.");
            }

            return await MigrateAllAsync(context, context.Get(dryRun), context.Get(parallel)).ConfigureAwait(false);
        });
        return command.WithExamples(
            "tenantctl --data-root data --migrations migrations migrate --all --dry-run",
            "tenantctl --data-root data --migrations migrations migrate --all --parallel 4",
            "tenantctl --data-root data --migrations bin/MyApp.dll:MyApp.TenantMigrations migrate acme");
    }

    private static async Task<int> MigrateOneAsync(CommandContext context, string slug, bool dryRun)
    {
        var store = context.Sqlite();
        _ = await store.Catalog.GetAsync(slug, context.CancellationToken).ConfigureAwait(false)
            ?? throw CliException.Failure($"Tenant '{slug}' is not in the catalog of {store.Description}. List the tenants with `tenantctl list --archived`.");
        var started = Stopwatch.GetTimestamp();
        int from, to;
        if (dryRun)
        {
            from = store.ReadVersion(slug) ?? 0;
            to = Math.Max(from, store.LatestVersion);
        }
        else
        {
            (from, to) = await store.Router.MigrateAsync(slug, cancellationToken: context.CancellationToken).ConfigureAwait(false);
        }

        var result = new MigrateTenantJson(slug, from, to, to != from, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        var document = new MigrateDocument(dryRun, store.LatestVersion, 1, 1, 0, false, result.DurationMs, [result]);
        Write(context, document);
        return ExitCodes.Ok;
    }

    private static async Task<int> MigrateAllAsync(CommandContext context, bool dryRun, int parallelism)
    {
        var store = context.Store();
        var total = (await store.Catalog.ListAsync(includeArchived: true, context.CancellationToken).ConfigureAwait(false)).Count;
        var done = new ConcurrentDictionary<string, TenantMigrationResult>(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var report = await ProgressDisplay.RunAsync(context.Output, dryRun ? "migrate (dry run)" : "migrate", total, tracker =>
                store.Catalog.MigrateAllAsync(parallelism, dryRun, new Reporter<TenantMigrationProgress>(p =>
                {
                    done[p.Last.Slug] = p.Last;
                    tracker.Set(p.Completed, p.Failed, p.Total);
                }), context.CancellationToken)).ConfigureAwait(false);
            var document = Document(report.DryRun, report.TargetVersion, report.Results, cancelled: false, report.Duration.TotalMilliseconds, total);
            Write(context, document);
            return document.Failed > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Every tenant finished is at a recorded version; the others were not started or finished their step.
            var partial = done.Values.OrderBy(r => r.Slug, StringComparer.Ordinal).ToList();
            Write(context, Document(dryRun, store.LatestVersion, partial, cancelled: true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, total));
            throw;
        }
    }

    private static MigrateDocument Document(bool dryRun, int target, IReadOnlyList<TenantMigrationResult> results, bool cancelled, double durationMs, int total)
    {
        var tenants = results.Select(r => new MigrateTenantJson(r.Slug, r.FromVersion, r.ToVersion, r.Succeeded && r.ToVersion != r.FromVersion,
            r.Duration.TotalMilliseconds, r.Error?.Message)).ToList();
        return new MigrateDocument(dryRun, target, total, tenants.Count(t => t.Error is null), tenants.Count(t => t.Error is not null), cancelled, durationMs, tenants);
    }

    private static void Write(CommandContext context, MigrateDocument document)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(document);
            return;
        }

        var changed = document.Tenants.Where(t => t.Changed).ToList();
        if (changed.Count > 0)
        {
            context.Output.Table(["tenant", "from", "to", document.DryRun ? "would run" : "ms"],
                changed.Select(t => (IReadOnlyList<string>)[t.Slug, $"{t.FromVersion}", $"{t.ToVersion}",
                    document.DryRun ? $"{t.ToVersion - t.FromVersion} step(s)" : $"{t.DurationMs:0}"]));
        }

        foreach (var failed in document.Tenants.Where(t => t.Error is not null))
        {
            context.Output.Line($"FAILED {failed.Slug} (left at version {failed.FromVersion}): {failed.Error}");
        }

        string verb = document.DryRun ? "would migrate" : "migrated";
        context.Output.Line(
            $"{(document.Cancelled ? "interrupted: " : "")}{verb} {changed.Count} of {document.Total} tenant(s) to version {document.TargetVersion}; " +
            $"{document.Tenants.Count(t => t.Error is null && !t.Changed)} already current, {document.Failed} failed ({document.DurationMs / 1000:0.0} s)." +
            (document.Failed > 0 ? " Fix the cause and re-run: finished steps are not repeated." : ""));
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (no synchronization context hop, no reordering).</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

internal sealed record MigrateDocument(bool DryRun, int TargetVersion, int Total, int Succeeded, int Failed, bool Cancelled, double DurationMs, IReadOnlyList<MigrateTenantJson> Tenants);

internal sealed record MigrateTenantJson(string Slug, int FromVersion, int ToVersion, bool Changed, double DurationMs, string? Error);
