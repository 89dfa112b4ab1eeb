using System.CommandLine;
using System.Globalization;
using Tenancy.Cli.Output;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Commands;

/// <summary>
/// <c>move T --to SHARD [--isolation I] [--dry-run]</c> (PostgreSQL): the catalog's verified move
/// (<see cref="PostgresTenantCatalog.MoveAsync"/>), its report printed; exit code 4 when source and target differ.
/// </summary>
internal static class MoveCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant("The tenant to move.");
        var to = new Option<string>("--to") { Description = "The shard to move it to (`tenantctl shards` lists them); its own shard to change only its isolation.", HelpName = "SHARD", Required = true };
        var isolation = Arguments.IsolationOption("Its isolation there: schema or database (default: the one it has).");
        var dryRun = new Option<bool>("--dry-run") { Description = "Plan only: print what would be copied (tables, rows, bytes, mode); nothing changes." };
        var keepSource = new Option<bool>("--keep-source") { Description = "Keep the old copy under a new name instead of dropping it after the switch." };
        var mode = new Option<TenantMoveMode?>("--mode")
        {
            Description = "online (logical replication while the tenant serves; a brief write fence at the end) or offline (the fence covers the copy). " +
                "Default: online when both servers allow it.",
            HelpName = "online|offline",
        };
        var staleness = new Option<double?>("--catalog-staleness")
        {
            Description = "The app's PostgresTenantOptions.CatalogStaleness in seconds (default: what the app recorded in the catalog): the move waits " +
                "this long after marking the tenant so that every process's router reads the catalog on every open before the switch.",
            HelpName = "SECONDS",
        };
        staleness.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is < 0 or > 3600)
            {
                result.AddError("--catalog-staleness must be between 0 and 3600 seconds.");
            }
        });
        var command = new Command("move",
            "Move a PostgreSQL tenant to another shard and/or isolation: copied at one snapshot, verified (row counts and ordered hashes per table, " +
            "sequences), switched atomically in the catalog (every process's router follows), then the old copy is removed. Needs --migrations (the " +
            "tenant must be at the code's latest version). Interrupted, the tenant is served from exactly one place; a re-run resumes or rolls back. " +
            "Exit code 4 when the copies differ (nothing was switched).")
        {
            tenant, to, isolation, dryRun, keepSource, mode, staleness,
        };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var slug = TenantSlug.Validate(context.Get(tenant));
            if (context.Get(staleness) is { } seconds)
            {
                context.Overrides.Add(new SettingOverride("--catalog-staleness", nameof(PostgresTenantOptions.CatalogStaleness),
                    seconds.ToString("R", CultureInfo.InvariantCulture), s => s.CatalogStaleness.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
                    o => o.CatalogStaleness = TimeSpan.FromSeconds(seconds)));
            }

            var store = await context.PostgresAsync().ConfigureAwait(false);
            var target = context.Get(to)!;
            if (!store.Router.Options.Shards.ContainsKey(target))
            {
                throw CliException.Usage($"--to {target}: no such shard in {store.Description}. Shards: {string.Join(", ", store.Router.Options.Shards.Keys)} (`tenantctl shards`).");
            }

            if (!store.HasMigrations)
            {
                throw CliException.Usage("`move` builds the target from the app's migrations: pass --migrations DIR or --migrations MyApp.dll[:TYPE].");
            }

            var options = new TenantMoveOptions { DryRun = context.Get(dryRun), KeepSource = context.Get(keepSource), Mode = context.Get(mode) };
            var phases = Enum.GetValues<TenantMovePhase>().Length;
            var report = await ProgressDisplay.RunAsync(context.Output, options.DryRun ? $"move {slug} (dry run)" : $"move {slug}", phases, tracker =>
                store.Postgres.MoveAsync(slug, target, context.Get(isolation), options, new Reporter(p =>
                    tracker.Set((int)p.Phase + 1, 0, phases, p.Table is null ? $"{p.Phase}" : $"{p.Phase} {p.Table}")), context.CancellationToken),
                countsFailures: false).ConfigureAwait(false); // one tenant in phases: it fails as a whole (exit code and message), no count to show
            if (context.Output.Json)
            {
                context.Output.WriteJson(MoveDocument.Of(report));
                return ExitCodes.Ok;
            }

            if (report.Tables.Count > 0)
            {
                context.Output.Table(["table", "rows", "bytes", "verified"],
                    report.Tables.Select(t => (IReadOnlyList<string>)[t.Table, Arguments.Number(t.Rows), Arguments.Size(t.Bytes), report.DryRun ? "(dry run)" : t.Verified ? "yes" : "no"]));
            }

            if (report.Leftover is { } leftover)
            {
                context.Output.Line(leftover);
            }

            context.Output.Line(report.ToString());
            return ExitCodes.Ok;
        });
        return command.WithExamples(
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations move acme --to eu-2 --dry-run",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations move acme --to eu-2 --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations move big --to main --isolation database");
    }

    /// <summary>Reports on the mover's flow (its progress is synchronous by contract).</summary>
    private sealed class Reporter(Action<TenantMoveProgress> report) : IProgress<TenantMoveProgress>
    {
        public void Report(TenantMoveProgress value) => report(value);
    }
}

/// <summary>The JSON document of <c>move</c>: the <see cref="TenantMoveReport"/>, times in milliseconds.</summary>
internal sealed record MoveDocument(
    string Tenant, string From, string To, TenantMoveMode Mode, string? ModeReason, bool DryRun, long Epoch,
    long RowsCopied, long BytesCopied, double FenceMs, double DurationMs, string? KeptSource, string? Leftover,
    IReadOnlyList<MovePhaseJson> Phases, IReadOnlyList<MoveTableJson> Tables, IReadOnlyList<TenantMoveSequence> Sequences, string Summary)
{
    public static MoveDocument Of(TenantMoveReport r) => new(
        r.Tenant, r.From, r.To, r.Mode, r.ModeReason, r.DryRun, r.Epoch, r.RowsCopied, r.BytesCopied, r.FenceDuration.TotalMilliseconds,
        r.Duration.TotalMilliseconds, r.KeptSource, r.Leftover,
        r.Phases.Select(p => new MovePhaseJson(p.Phase, p.Duration.TotalMilliseconds)).ToList(),
        r.Tables.Select(t => new MoveTableJson(t.Table, t.Rows, t.Bytes, t.SourceHash, t.TargetHash, t.Verified)).ToList(),
        r.Sequences, r.ToString());
}

internal sealed record MovePhaseJson(TenantMovePhase Phase, double DurationMs);

internal sealed record MoveTableJson(string Table, long Rows, long Bytes, string? SourceHash, string? TargetHash, bool Verified);
