using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Tenancy.Cli.Output;
using Tenancy.Cli.Stores;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Commands;

/// <summary><c>migrate [T | --all] [--dry-run] [--parallel N]</c>: brings tenants to the latest version of the app's migrations.</summary>
internal static class MigrateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var tenant = Arguments.OptionalTenant("The tenant to migrate (or --all).");
        var all = Arguments.All("Migrate every catalogued tenant (archived ones too); failures are reported and the run goes on.");
        var dryRun = new Option<bool>("--dry-run") { Description = "Only read each tenant's version and report what would be done." };
        var parallel = new Option<int>("--parallel") { Description = "Tenants migrated at once (0: the catalog's default; eight per processor, at most 64, on SQLite).", HelpName = "N" };
        parallel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--parallel must be 0 (the catalog's default) or more.");
            }
        });
        var command = new Command("migrate",
            "Apply the app's migrations (--migrations) to one tenant or --all. Each step is one transaction recorded in the tenant's " +
            "PRAGMA user_version (SQLite) or tenancy_migrations table (PostgreSQL), so an interrupted or failed run resumes where each tenant stopped. " +
            "On PostgreSQL, --all runs every shard at once (at most 4 tenants per shard) and reports per shard.")
        {
            tenant, all, dryRun, parallel,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var store = await context.StoreAsync().ConfigureAwait(false);
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
            "tenantctl --data-root data --migrations bin/MyApp.dll:MyApp.TenantMigrations migrate acme",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations migrate --all --json");
    }

    private static async Task<int> MigrateOneAsync(CommandContext context, string slug, bool dryRun)
    {
        if (await context.StoreAsync().ConfigureAwait(false) is PostgresStore postgres)
        {
            return await MigrateOnePostgresAsync(context, postgres, slug, dryRun).ConfigureAwait(false);
        }

        var store = await context.SqliteAsync().ConfigureAwait(false);
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

    /// <summary>PostgreSQL, one tenant: its first connection here migrates its schema or database and records the version in the catalog.</summary>
    private static async Task<int> MigrateOnePostgresAsync(CommandContext context, PostgresStore store, string slug, bool dryRun)
    {
        var record = await store.Postgres.GetAsync(slug, context.CancellationToken).ConfigureAwait(false)
            ?? throw CliException.Failure($"Tenant '{slug}' is not in the catalog of {store.Description}. List the tenants with `tenantctl list --archived`.");
        var started = Stopwatch.GetTimestamp();
        int from = record.Version, to;
        if (dryRun)
        {
            to = Math.Max(from, store.LatestVersion);
        }
        else
        {
            await using (var connection = await store.Router.GetDatabase(slug, record).OpenConnectionAsync(context.CancellationToken).ConfigureAwait(false))
            {
            }

            to = (await store.Postgres.GetAsync(slug, context.CancellationToken).ConfigureAwait(false))?.Version ?? from;
        }

        var result = new MigrateTenantJson(slug, from, to, to != from, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        Write(context, new MigrateDocument(dryRun, store.LatestVersion, 1, 1, 0, false, result.DurationMs, [result]));
        return ExitCodes.Ok;
    }

    private static async Task<int> MigrateAllAsync(CommandContext context, bool dryRun, int parallelism)
    {
        var store = await context.StoreAsync().ConfigureAwait(false);
        var records = await store.Catalog.ListAsync(includeArchived: true, context.CancellationToken).ConfigureAwait(false);
        var total = records.Count;
        var shardOf = records.OfType<PostgresTenantRecord>().ToDictionary(r => r.Slug, r => r.Shard, StringComparer.Ordinal);
        var shards = shardOf.Count == 0 ? null : new ShardTally(shardOf);
        var done = new ConcurrentDictionary<string, TenantMigrationResult>(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var report = await ProgressDisplay.RunAsync(context.Output, dryRun ? "migrate (dry run)" : "migrate", total, tracker =>
                store.Catalog.MigrateAllAsync(parallelism, dryRun, new Reporter<TenantMigrationProgress>(p =>
                {
                    done[p.Last.Slug] = p.Last;
                    tracker.Set(p.Completed, p.Failed, p.Total, shards?.Add(p.Last));
                }), context.CancellationToken)).ConfigureAwait(false);
            var document = Document(report.DryRun, report.TargetVersion, report.Results, cancelled: false, report.Duration.TotalMilliseconds, total)
                with { Shards = shards?.Final(report.Results) };
            Write(context, document);
            return document.Failed > 0 ? ExitCodes.SomeTenantsFailed : ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Every tenant finished is at a recorded version; the others were not started or finished their step.
            var partial = done.Values.OrderBy(r => r.Slug, StringComparer.Ordinal).ToList();
            Write(context, Document(dryRun, store.LatestVersion, partial, cancelled: true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, total)
                with { Shards = shards?.Final(partial) });
            throw;
        }
    }

    private static MigrateDocument Document(bool dryRun, int target, IReadOnlyList<TenantMigrationResult> results, bool cancelled, double durationMs, int total)
    {
        var tenants = results.Select(r => new MigrateTenantJson(r.Slug, Known(r.FromVersion), Known(r.ToVersion), r.Succeeded && r.ToVersion != r.FromVersion,
            r.Duration.TotalMilliseconds, r.Error?.Message)).ToList();
        return new MigrateDocument(dryRun, target, total, tenants.Count(t => t.Error is null), tenants.Count(t => t.Error is not null), cancelled, durationMs, tenants);
    }

    /// <summary>A version as the report shows it: null when it could not be read (the catalogs report -1: the file is not a database, or unreadable).</summary>
    private static int? Known(int version) => version < 0 ? null : version;

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

        if (document.Shards is { Count: > 1 } perShard)
        {
            context.Output.Table(["shard", "tenants", "migrated", "current", "failed"],
                perShard.Select(s => (IReadOnlyList<string>)[s.Shard, $"{s.Total}", $"{s.Changed}", $"{s.Succeeded - s.Changed}", $"{s.Failed}"]));
        }

        foreach (var failed in document.Tenants.Where(t => t.Error is not null))
        {
            context.Output.Line($"FAILED {failed.Slug} ({(failed.FromVersion is { } left ? $"left at version {left}" : "its version could not be read; nothing was changed")}): {failed.Error}");
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

internal sealed record MigrateDocument(bool DryRun, int TargetVersion, int Total, int Succeeded, int Failed, bool Cancelled, double DurationMs, IReadOnlyList<MigrateTenantJson> Tenants)
{
    /// <summary>PostgreSQL: the outcome per shard (left out of the document for SQLite).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MigrateShardJson>? Shards { get; init; }
}

/// <summary>One shard's share of a <c>migrate --all</c>: its tenants, how many succeeded (of which changed) and failed.</summary>
internal sealed record MigrateShardJson(string Shard, int Total, int Succeeded, int Changed, int Failed);

/// <summary>Counts a PostgreSQL <c>migrate --all</c> per shard as tenants finish (for the progress line) and at the end (for the report).</summary>
internal sealed class ShardTally(IReadOnlyDictionary<string, string> shardOf)
{
    private readonly Dictionary<string, (int Done, int Failed)> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _totals = shardOf.Values.GroupBy(s => s, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Counts one finished tenant; returns the progress detail ("main 3/5 · eu-2 1/4 (1 failed)").</summary>
    public string Add(TenantMigrationResult result)
    {
        lock (_live)
        {
            var shard = shardOf.GetValueOrDefault(result.Slug, "?");
            var (done, failed) = _live.GetValueOrDefault(shard);
            _live[shard] = (done + 1, failed + (result.Succeeded ? 0 : 1));
            return string.Join(" · ", _totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
            {
                var (d, f) = _live.GetValueOrDefault(t.Key);
                return string.Create(CultureInfo.InvariantCulture, $"{t.Key} {d}/{t.Value}") + (f > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({f} failed)") : "");
            }));
        }
    }

    public IReadOnlyList<MigrateShardJson> Final(IReadOnlyList<TenantMigrationResult> results) =>
        _totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
        {
            var mine = results.Where(r => string.Equals(shardOf.GetValueOrDefault(r.Slug), t.Key, StringComparison.Ordinal)).ToList();
            return new MigrateShardJson(t.Key, t.Value, mine.Count(r => r.Succeeded), mine.Count(r => r.Succeeded && r.ToVersion != r.FromVersion), mine.Count(r => !r.Succeeded));
        }).ToList();
}

/// <summary>One tenant of a <c>migrate</c> report; <see cref="FromVersion"/> and <see cref="ToVersion"/> are null when its version could not be read (nothing was changed).</summary>
internal sealed record MigrateTenantJson(string Slug, int? FromVersion, int? ToVersion, bool Changed, double DurationMs, string? Error);
