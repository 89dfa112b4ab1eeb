using System.CommandLine;

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

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON document on stdout (progress, if any, goes to stderr).",
        Recursive = true,
    };

    public IEnumerable<Option> All => [DataRoot, Postgres, PathTemplate, StorageTemplate, CatalogFile, Migrations, Json];
}
