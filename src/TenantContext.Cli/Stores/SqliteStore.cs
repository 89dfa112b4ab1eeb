using Microsoft.Data.Sqlite;
using Tenancy.Cli.Migrations;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Stores;

/// <summary>A SQLite data root: the catalog (<c>platform.db</c>) and a file per tenant, opened exactly as <c>UseSqlite</c> would.</summary>
internal sealed class SqliteStore : TenantStore
{
    private readonly TenantConfiguration _configuration;

    private SqliteStore(TenantConfiguration configuration, bool hasMigrations)
    {
        _configuration = configuration;
        Router = configuration.GetSqlite();
        HasMigrations = hasMigrations;
    }

    /// <summary>The router (paths, per-tenant migration).</summary>
    public SqliteTenantDatabases Router { get; }

    /// <summary>The SQLite catalog with its engine-specific verbs (backup, check, stats, split).</summary>
    public TenantCatalog Sqlite => Router.Catalog;

    public override ITenantCatalog Catalog => Router.Catalog;

    public override string Description => $"the SQLite data root {Router.DataRoot}";

    public override int LatestVersion => Router.LatestVersion;

    public override bool HasMigrations { get; }

    /// <summary>Opens a data root.</summary>
    /// <param name="settings">The global options' values.</param>
    /// <param name="create">Whether the verb may create the data root and its catalog (create, restore-backup, split).</param>
    public static SqliteStore Open(StoreSettings settings, bool create)
    {
        var root = Path.GetFullPath(settings.DataRoot);
        var catalog = Path.Combine(root, settings.CatalogFile);
        if (!create && !Directory.Exists(root))
        {
            throw CliException.Failure(
                $"The data root {root} does not exist. Pass --data-root DIR pointing at the app's data folder (the one that holds {settings.CatalogFile}), " +
                $"or create a first tenant there with `tenantctl --data-root {settings.DataRoot} create TENANT`.");
        }

        if (!create && !File.Exists(catalog))
        {
            throw CliException.Failure(
                $"{root} has no tenant catalog ({settings.CatalogFile}). Check --data-root and --catalog-file; tenants are catalogued by " +
                "`tenantctl create`, `tenantctl split`, or the app's TenantCatalog.");
        }

        TenantConfiguration configuration;
        try
        {
            configuration = TenantConfiguration.Build(b => b.UseSqlite(o =>
            {
                o.DataRoot = root;
                o.PathTemplate = settings.PathTemplate;
                o.StoragePathTemplate = settings.StorageTemplate;
                o.CatalogFileName = settings.CatalogFile;
                if (settings.Migrations is { } spec)
                {
                    MigrationSource.Load(spec, o.Migrations);
                }
            }));
        }
        catch (ArgumentException ex) when (ex is not InvalidTenantSlugException)
        {
            throw CliException.Usage($"{ex.Message} (check --path-template, --storage-template and --catalog-file)");
        }

        return new SqliteStore(configuration, settings.Migrations is not null);
    }

    /// <summary>The user_version of a tenant's file, read without changing it, or null when the file does not exist.</summary>
    public int? ReadVersion(string tenant)
    {
        var path = Router.GetDatabasePath(tenant);
        if (!File.Exists(path))
        {
            return null;
        }

        using var connection = OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A read-only, unpooled connection to a SQLite file.</summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000;";
        command.ExecuteNonQuery();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await _configuration.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>The values of the global options that choose and shape the store.</summary>
internal sealed record StoreSettings(string DataRoot, string PathTemplate, string? StorageTemplate, string CatalogFile, string? Migrations);
