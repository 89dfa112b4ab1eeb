using System.CommandLine;
using Tenancy.Cli.Stores;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Commands;

/// <summary>The verbs every catalog shares (<see cref="ITenantCatalog"/>): list, show, create, copy, archive, restore, delete.</summary>
internal static class LifecycleCommands
{
    public static Command List(GlobalOptions globals)
    {
        var archived = new Option<bool>("--archived") { Description = "List archived tenants too." };
        var command = new Command("list", "List the catalogued tenants (active ones; --archived adds the archived).") { archived };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var records = await (await context.StoreAsync().ConfigureAwait(false)).Catalog.ListAsync(context.Get(archived), context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new ListDocument(records.Select(TenantJson.From).ToList()));
            }
            else if (records.Count == 0)
            {
                context.Output.Note("No tenants. Create one with `tenantctl create TENANT`.");
            }
            else if (records.All(r => r is PostgresTenantRecord))
            {
                context.Output.Table(["tenant", "state", "shard", "isolation", "version", "created", "template"],
                    records.Cast<PostgresTenantRecord>().Select(r => (IReadOnlyList<string>)[r.Slug, Arguments.State(r.State) + (r.IsMoving ? " (moving)" : ""),
                        r.Shard, Arguments.Isolation(r.Isolation), $"{r.Version}", Arguments.Time(r.CreatedAt), r.Template ?? ""]));
            }
            else
            {
                context.Output.Table(["tenant", "state", "created", "template"],
                    records.Select(r => (IReadOnlyList<string>)[r.Slug, Arguments.State(r.State), Arguments.Time(r.CreatedAt), r.Template ?? ""]));
            }

            return ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data list", "tenantctl --data-root data list --archived --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" list");
    }

    public static Command Show(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant();
        var command = new Command("show", "Show one tenant: its catalog record and, on SQLite, its file, size, schema version and last write; on PostgreSQL, its placement (shard, isolation, schema or database, version, epoch).") { tenant };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var slug = TenantSlug.Validate(context.Get(tenant));
            var store = await context.StoreAsync().ConfigureAwait(false);
            var record = await store.Catalog.GetAsync(slug, context.CancellationToken).ConfigureAwait(false)
                ?? throw CliException.Failure($"Tenant '{slug}' is not in the catalog of {store.Description}. List the tenants with `tenantctl list --archived`.");
            TenantFileJson? file = null;
            if (store is SqliteStore sqlite)
            {
                var path = sqlite.Router.GetDatabasePath(slug);
                file = File.Exists(path)
                    ? await StatsAsync(sqlite, slug, context.CancellationToken).ConfigureAwait(false)
                    : new TenantFileJson(path, Exists: false, 0, null, null);
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(new ShowDocument(TenantJson.From(record), file));
                return ExitCodes.Ok;
            }

            var rows = new List<IReadOnlyList<string>>
            {
                new[] { "tenant", record.Slug },
                new[] { "state", Arguments.State(record.State) },
                new[] { "created", Arguments.Time(record.CreatedAt) },
            };
            if (record.ArchivedAt is { } at)
            {
                rows.Add(["archived", Arguments.Time(at)]);
            }

            if (record.Template is { } template)
            {
                rows.Add(["template", template]);
            }

            if (record is PostgresTenantRecord placed)
            {
                rows.Add(["shard", placed.Shard]);
                rows.Add(["isolation", Arguments.Isolation(placed.Isolation)]);
                rows.Add([placed.Isolation == PostgresIsolation.Database ? "database" : "schema",
                    placed.Isolation == PostgresIsolation.Database ? placed.DatabaseName : $"{placed.SchemaName} (database {placed.DatabaseName})"]);
                rows.Add(["version", $"{placed.Version}"]);
                rows.Add(["epoch", $"{placed.Epoch}" + (placed.IsMoving ? " (a move is under way)" : "")]);
            }

            if (file is not null)
            {
                rows.Add(["file", file.Exists ? file.Path : file.Path + " (missing)"]);
                if (file.Exists)
                {
                    rows.Add(["size", Arguments.Size(file.SizeBytes)]);
                    rows.Add(["version", $"{file.Version}"]);
                    rows.Add(["last write", Arguments.Time(file.LastWrite)]);
                }
            }

            context.Output.Table(["field", "value"], rows);
            return ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data show acme", "tenantctl --data-root data show acme --json",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" show acme");
    }

    public static Command Create(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant("The new tenant's slug (lowercase letters, digits and hyphens).");
        var from = new Option<string?>("--from") { Description = "A tenant whose data the new tenant starts as a copy of (a template).", HelpName = "TEMPLATE" };
        var shard = new Option<string?>("--shard") { Description = "PostgreSQL: the shard to create it on (default: the first shard the catalog recorded; see `tenantctl shards`).", HelpName = "SHARD" };
        var isolation = Arguments.IsolationOption("PostgreSQL: a schema of its own (default), a database of its own, or rows in the shard's shared tables.");
        var command = new Command("create", "Create a tenant at the latest schema version (--migrations), empty or as a copy of a template (--from needs --migrations).") { tenant, from, shard, isolation };
        Tenantctl.SetAction(command, globals, context => CreateAsync(context, context.Get(tenant)!, context.Get(from), context.Get(shard), context.Get(isolation)));
        return command.WithExamples(
            "tenantctl --data-root data --migrations migrations create acme",
            "tenantctl --data-root data --migrations migrations create acme --from template",
            "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" --migrations migrations create acme --shard eu-2 --isolation database");
    }

    public static Command Copy(GlobalOptions globals)
    {
        var source = new Argument<string>("from") { Description = "The tenant to copy (it may be in use: the copy is a consistent snapshot)." };
        var target = new Argument<string>("to") { Description = "The new tenant." };
        var command = new Command("copy", "Create a new tenant as a copy of an existing one (same as create TO --from FROM); needs --migrations (the copy is checked against, and brought to, the app's latest version).") { source, target };
        Tenantctl.SetAction(command, globals, context => CreateAsync(context, context.Get(target)!, context.Get(source), null, null));
        return command.WithExamples("tenantctl --data-root data --migrations migrations copy acme acme-staging");
    }

    public static Command Archive(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant();
        var command = new Command("archive", "Archive a tenant: its data is kept, and no process can enter it until `restore`.") { tenant };
        Tenantctl.SetAction(command, globals, context => SetStateAsync(context, context.Get(tenant)!, archive: true));
        return command.WithExamples("tenantctl --data-root data archive acme");
    }

    public static Command Restore(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant();
        var command = new Command("restore", "Restore an archived tenant so it can be entered again (to restore data from a file, see restore-backup).") { tenant };
        Tenantctl.SetAction(command, globals, context => SetStateAsync(context, context.Get(tenant)!, archive: false));
        return command.WithExamples("tenantctl --data-root data restore acme");
    }

    public static Command Delete(GlobalOptions globals)
    {
        var tenant = Arguments.Tenant();
        var yes = Arguments.Yes("Confirm: the tenant's data and record are deleted for good.");
        var command = new Command("delete", "Delete a tenant for good: its data, storage folder and catalog record. Needs --yes.") { tenant, yes };
        Tenantctl.SetAction(command, globals, async context =>
        {
            var slug = TenantSlug.Validate(context.Get(tenant));
            var store = await context.StoreAsync().ConfigureAwait(false);
            string what;
            if (store is SqliteStore sqlite)
            {
                what = $"`delete {slug}` removes its catalog record and {sqlite.Router.GetDatabasePath(slug)}" +
                    (sqlite.Router.GetStoragePath(slug) is { } storage ? $" and {storage}" : "") + $" for good. Back it up first with `tenantctl backup {slug} --to DIR`.";
            }
            else
            {
                var placed = await ((PostgresStore)store).Postgres.GetAsync(slug, context.CancellationToken).ConfigureAwait(false);
                what = placed is null
                    ? $"`delete {slug}` removes whatever is left of the tenant (schema, database, role) for good."
                    : $"`delete {slug}` removes its catalog record and its {(placed.Isolation == PostgresIsolation.Database ? $"database {placed.DatabaseName}" : placed.Isolation == PostgresIsolation.Rows ? "record (its rows in the shared tables stay, under a key never reused)" : $"schema {placed.SchemaName}")} on shard {placed.Shard} for good." +
                      $" Back it up first with `tenantctl backup {slug} --to DIR`.";
            }

            context.RequireYes(yes, what);
            bool deleted = await store.Catalog.DeleteAsync(slug, context.CancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new DeleteDocument(slug, deleted));
            }
            else
            {
                context.Output.Line(deleted ? $"deleted {slug}" : $"nothing to delete: {slug} had no record and no data");
            }

            return ExitCodes.Ok;
        });
        return command.WithExamples("tenantctl --data-root data delete acme --yes", "tenantctl --postgres \"Host=db0;Database=platform;Username=ops\" delete acme --yes");
    }

    internal static async Task<TenantFileJson> StatsAsync(SqliteStore store, string slug, CancellationToken cancellationToken)
    {
        var stats = await store.Sqlite.StatsAsync(slug, cancellationToken).ConfigureAwait(false);
        return new TenantFileJson(stats.Path, Exists: true, stats.SizeBytes, stats.Version, stats.LastWrite);
    }

    private static async Task<int> CreateAsync(CommandContext context, string tenant, string? template, string? shard, PostgresIsolation? isolation)
    {
        var slug = TenantSlug.Validate(tenant);
        var from = template is null ? null : TenantSlug.Validate(template, "fromTemplate");
        var store = await context.StoreAsync(create: template is null).ConfigureAwait(false);
        if (from is not null && !store.HasMigrations)
        {
            // Without them the tool knows version 0 only and would refuse any migrated template as "newer" than the app.
            throw CliException.Usage(
                $"`{context.Verb}` from a template checks the copy against the app's schema and brings it to the latest version: pass the app's migrations, " +
                "--migrations DIR (numbered .sql files: 0001_init.sql, …) or --migrations MyApp.dll[:MyApp.TenantMigrations].");
        }

        TenantRecord record;
        if (store is PostgresStore postgres)
        {
            if (shard is not null && !postgres.Router.Options.Shards.ContainsKey(shard))
            {
                throw CliException.Usage($"--shard {shard}: no such shard in {store.Description}. Shards: {string.Join(", ", postgres.Router.Options.Shards.Keys)} (`tenantctl shards`).");
            }

            record = await postgres.Postgres.CreateAsync(slug, shard, isolation, from, context.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (shard is not null || isolation is not null)
            {
                throw CliException.Usage("--shard and --isolation are for a PostgreSQL catalog (--postgres); a SQLite data root has one file per tenant.");
            }

            record = await store.Catalog.CreateAsync(slug, from, context.CancellationToken).ConfigureAwait(false);
        }

        if (context.Output.Json)
        {
            context.Output.WriteJson(new TenantDocument(TenantJson.From(record)));
            return ExitCodes.Ok;
        }

        context.Output.Line((from is null ? $"created {slug}" : $"created {slug} from {from}") +
            (record is PostgresTenantRecord p ? $" on shard {p.Shard} ({Arguments.Isolation(p.Isolation)} {(p.Isolation == PostgresIsolation.Database ? p.DatabaseName : p.SchemaName)}, version {p.Version})" : ""));
        if (!store.HasMigrations && from is null)
        {
            context.Output.Note($"note: no --migrations given, so {slug} has no schema yet; the app migrates it on first use (or run `tenantctl --migrations DIR migrate {slug}`).");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> SetStateAsync(CommandContext context, string tenant, bool archive)
    {
        var slug = TenantSlug.Validate(tenant);
        var catalog = (await context.StoreAsync().ConfigureAwait(false)).Catalog;
        var record = archive
            ? await catalog.ArchiveAsync(slug, context.CancellationToken).ConfigureAwait(false)
            : await catalog.RestoreAsync(slug, context.CancellationToken).ConfigureAwait(false);
        if (context.Output.Json)
        {
            context.Output.WriteJson(new TenantDocument(TenantJson.From(record)));
        }
        else
        {
            context.Output.Line(archive ? $"archived {slug} (restore it with `tenantctl restore {slug}`)" : $"restored {slug}");
        }

        return ExitCodes.Ok;
    }
}

internal sealed record ListDocument(IReadOnlyList<TenantJson> Tenants);

internal sealed record TenantDocument(TenantJson Tenant);

internal sealed record ShowDocument(TenantJson Tenant, TenantFileJson? File);

internal sealed record TenantFileJson(string Path, bool Exists, long SizeBytes, int? Version, DateTimeOffset? LastWrite);

internal sealed record DeleteDocument(string Tenant, bool Deleted);
