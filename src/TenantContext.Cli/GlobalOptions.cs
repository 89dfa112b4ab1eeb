using System.CommandLine;
using System.Globalization;
using Tenancy.Npgsql;

namespace Tenancy.Cli;

/// <summary>
/// The options every command accepts, before or after the command name (<c>tenantctl --data-root data list --json</c> and
/// <c>tenantctl list --data-root data --json</c> are the same). They mean what <c>UseSqlite</c>'s options mean.
/// </summary>
internal sealed class GlobalOptions
{
    public const string DataRootVariable = "TENANTCTL_DATA_ROOT";

    public const string PostgresVariable = "TENANTCTL_POSTGRES";

    public Option<string?> DataRoot { get; } = new("--data-root")
    {
        Description = $"The SQLite data root: the folder that holds platform.db and the tenant files (UseSqlite's DataRoot). Default: ${DataRootVariable}.",
        HelpName = "DIR",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(DataRootVariable) is { Length: > 0 } value ? value : null,
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "The PostgreSQL platform catalog: a connection string to the catalog database (UsePostgres' Catalog); the shards and their " +
            "connection strings come from it. Passwords are never stored in the catalog: the shards get this string's password (same user), " +
            $"or PGPASSWORD, or a pgpass file. Default: ${PostgresVariable}.",
        HelpName = "CONNSTRING",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value ? value : null,
    };

    public Option<string> PathTemplate { get; } = new("--path-template")
    {
        Description = "Where a tenant's database lives under the data root; {tenant} is the slug (UseSqlite's PathTemplate).",
        HelpName = "TEMPLATE",
        Recursive = true,
        DefaultValueFactory = _ => "tenants/{tenant}.db",
    };

    public Option<string?> StorageTemplate { get; } = new("--storage-template")
    {
        Description = "The tenant's file-storage folder under the data root, deleted with the tenant (UseSqlite's StoragePathTemplate).",
        HelpName = "TEMPLATE",
        Recursive = true,
    };

    public Option<string> CatalogFile { get; } = new("--catalog-file")
    {
        Description = "The catalog's file name under the data root (UseSqlite's CatalogFileName).",
        HelpName = "NAME",
        Recursive = true,
        DefaultValueFactory = _ => "platform.db",
    };

    public Option<string?> Migrations { get; } = new("--migrations")
    {
        Description = "The app's schema steps: a folder of numbered .sql files (0001_init.sql, 0002_add_index.sql, …), or ASSEMBLY.dll[:TYPE] " +
            "where TYPE has 'public static void Configure(SqliteMigrationCollection migrations)' (SQLite) or " +
            "'public static void Configure(PostgresMigrationCollection migrations)' (PostgreSQL).",
        HelpName = "DIR|ASSEMBLY",
        Recursive = true,
    };

    public Option<bool?> EnforceWithRoles { get; } = new("--enforce-with-roles")
    {
        Description = "PostgreSQL: UsePostgres' EnforceWithRoles (true|false). Default: what the app recorded in the catalog; given, it wins for this run (and says so).",
        HelpName = "true|false",
        Recursive = true,
    };

    public Option<string?> SchemaTemplate { get; } = new("--schema-template")
    {
        Description = "PostgreSQL: UsePostgres' SchemaTemplate, e.g. tenant_{tenant}. Default: what the app recorded in the catalog; given, it wins for this run.",
        HelpName = "TEMPLATE",
        Recursive = true,
    };

    public Option<string?> DatabaseTemplate { get; } = new("--database-template")
    {
        Description = "PostgreSQL: UsePostgres' DatabaseTemplate, e.g. tenant_{tenant}. Default: what the app recorded in the catalog; given, it wins for this run.",
        HelpName = "TEMPLATE",
        Recursive = true,
    };

    public Option<int?> MaxConnectionsPerShard { get; } = new("--max-connections-per-shard")
    {
        Description = "PostgreSQL: UsePostgres' MaxConnectionsPerShard (the tool's own budget, and the app's in `doctor`). Default: what the app recorded in the catalog.",
        HelpName = "N",
        Recursive = true,
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<int?>() is < 1)
                {
                    result.AddError("--max-connections-per-shard must be 1 or more.");
                }
            },
        },
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON document on stdout (progress, if any, goes to stderr).",
        Recursive = true,
    };

    public IEnumerable<Option> All => [DataRoot, Postgres, PathTemplate, StorageTemplate, CatalogFile, Migrations, EnforceWithRoles, SchemaTemplate, DatabaseTemplate, MaxConnectionsPerShard, Json];

    /// <summary>The PostgreSQL settings given on the command line: each wins over the value the app recorded in the catalog.</summary>
    public IEnumerable<SettingOverride> PostgresOverrides(ParseResult parse)
    {
        if (parse.GetValue(EnforceWithRoles) is { } roles)
        {
            yield return new SettingOverride("--enforce-with-roles", nameof(PostgresTenantOptions.EnforceWithRoles), roles ? "true" : "false",
                s => s.EnforceWithRoles ? "true" : "false", o => o.EnforceWithRoles = roles);
        }

        if (parse.GetValue(SchemaTemplate) is { } schema)
        {
            yield return new SettingOverride("--schema-template", nameof(PostgresTenantOptions.SchemaTemplate), schema, s => s.SchemaTemplate, o => o.SchemaTemplate = schema);
        }

        if (parse.GetValue(DatabaseTemplate) is { } database)
        {
            yield return new SettingOverride("--database-template", nameof(PostgresTenantOptions.DatabaseTemplate), database, s => s.DatabaseTemplate, o => o.DatabaseTemplate = database);
        }

        if (parse.GetValue(MaxConnectionsPerShard) is { } budget)
        {
            var text = budget.ToString(CultureInfo.InvariantCulture);
            yield return new SettingOverride("--max-connections-per-shard", nameof(PostgresTenantOptions.MaxConnectionsPerShard), text,
                s => s.MaxConnectionsPerShard.ToString(CultureInfo.InvariantCulture), o => o.MaxConnectionsPerShard = budget);
        }
    }
}

/// <summary>
/// A PostgreSQL setting given on the command line (<paramref name="Flag"/>) that wins over the app's value recorded in the
/// catalog (<see cref="PostgresRecordedSettings"/>) for this run; the tool says so when the two differ.
/// </summary>
/// <param name="Flag">The option as typed, for the note.</param>
/// <param name="Setting">The <see cref="PostgresTenantOptions"/> property it sets.</param>
/// <param name="Given">The value given, as text.</param>
/// <param name="Recorded">The app's recorded value, as text.</param>
/// <param name="Apply">Sets it on the options.</param>
internal sealed record SettingOverride(string Flag, string Setting, string Given, Func<PostgresRecordedSettings, string> Recorded, Action<PostgresTenantOptions> Apply);
